// Package spicetest holds test support for the SPICE client: a fake server
// on net.Pipe, server messages built from types, and Replay, which serves
// sessions recorded in spicecap files (package spiceweb/spicecap) back to
// a client.
package spicetest
