//go:build unix

package main

import "syscall"

// maxConnsFromFiles is the default -max-conns: each websocket holds two
// files (client and server sockets); some are left for listeners, logs
// and token files. Go raises the soft open-file limit to the hard one at
// start-up, so Cur is what the process may use. It is capped at
// defaultMaxConns: systemd's hard limit (524288) would otherwise allow
// 9 GB of idle consoles.
func maxConnsFromFiles() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur < 256 {
		return 100
	}
	return min(defaultMaxConns, (int(min(rl.Cur, 1<<22))-64)/2)
}
