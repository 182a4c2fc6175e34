//go:build !js

package session

import "crypto/rand"

// defaultRandom is crypto/rand natively. The wasm build leaves it nil
// and the browser bridge passes crypto.getRandomValues instead: crypto/rand
// would bring its FIPS DRBG (AES, SHA-2) into the download.
var defaultRandom = rand.Reader
