//go:build !unix && !js

package main

// maxConnsFromFiles is the default -max-conns where the open-file limit
// cannot be read.
func maxConnsFromFiles() int { return defaultMaxConns }
