package ticket

import "bytes"

// rsaOID is rsaEncryption, 1.2.840.113549.1.1.1, DER-encoded.
var rsaOID = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01}

// der reads one DER element of the given tag and returns its contents
// and what follows it. Only definite lengths of up to 4 bytes are valid.
func der(b []byte, tag byte) (content, rest []byte, ok bool) {
	if len(b) < 2 || b[0] != tag {
		return nil, nil, false
	}
	n, hdr := int(b[1]), 2
	if n >= 0x80 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(b) < 2+k || b[2] == 0 {
			return nil, nil, false
		}
		n, hdr = int(be32(b[2:2+k])), 2+k
		if n < 0x80 || n < 0 {
			return nil, nil, false // not the shortest form: not DER
		}
	}
	if n > len(b)-hdr {
		return nil, nil, false
	}
	return b[hdr : hdr+n], b[hdr+n:], true
}

// integer returns the magnitude of a positive DER INTEGER.
func integer(b []byte) (mag, rest []byte, ok bool) {
	v, rest, ok := der(b, 0x02)
	if !ok || len(v) == 0 || v[0]&0x80 != 0 {
		return nil, nil, false // empty or negative
	}
	if len(v) > 1 && v[0] == 0 {
		if v[1]&0x80 == 0 {
			return nil, nil, false // a redundant leading zero: not DER
		}
		v = v[1:]
	}
	return v, rest, true
}

// parsePublicKey reads an RSA key from a DER SubjectPublicKeyInfo:
// SEQUENCE { SEQUENCE { OID rsaEncryption, NULL }, BIT STRING { SEQUENCE {
// INTEGER n, INTEGER e } } }, what the server writes with i2d_RSA_PUBKEY.
func parsePublicKey(b []byte) (n []byte, e uint32, err error) {
	bad := FormatError("public key is not a DER RSA SubjectPublicKeyInfo")
	spki, rest, ok := der(b, 0x30)
	if !ok || len(rest) != 0 {
		return nil, 0, bad
	}
	alg, spki, ok := der(spki, 0x30)
	if !ok {
		return nil, 0, bad
	}
	oid, params, ok := der(alg, 0x06)
	if !ok {
		return nil, 0, bad
	}
	if !bytes.Equal(oid, rsaOID) {
		return nil, 0, UnsupportedError("public key algorithm is not RSA")
	}
	if len(params) != 0 && !bytes.Equal(params, []byte{0x05, 0x00}) {
		return nil, 0, bad
	}
	bitstr, rest, ok := der(spki, 0x03)
	if !ok || len(rest) != 0 || len(bitstr) < 1 || bitstr[0] != 0 {
		return nil, 0, bad
	}
	key, rest, ok := der(bitstr[1:], 0x30)
	if !ok || len(rest) != 0 {
		return nil, 0, bad
	}
	n, key, ok = integer(key)
	if !ok {
		return nil, 0, bad
	}
	eb, rest, ok := integer(key)
	if !ok || len(rest) != 0 || len(eb) > 4 {
		return nil, 0, bad
	}
	return n, be32(eb), nil
}
