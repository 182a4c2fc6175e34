package session

import "io"

// defaultRandom is unset in the browser: jsbridge passes Config.Random.
var defaultRandom io.Reader
