// Package ticket encrypts the SPICE ticket (the password) for the server:
// RSA-OAEP with SHA-1, MGF1-SHA-1 and an empty label over the password and
// a NUL, with the server's public key from the link reply (reds.cpp
// reds_handle_ticket; RFC 8017 section 7.1.1).
//
// It is written without crypto/rsa, crypto/sha1, math/big and
// encoding/asn1: together with crypto/rand they add about 350 KB of code
// (FIPS module, DRBG, reflection-based ASN.1) to a wasm binary that needs
// one public-key operation per channel. Only encryption with a public key
// is done, so the timing concerns of private-key operations do not arise.
// The tests check everything against the standard library: SHA-1 against
// crypto/sha1, the modular exponentiation against math/big, and tickets by
// decrypting them with crypto/rsa.
package ticket
