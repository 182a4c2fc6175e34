// Package spicecap reads and writes .spicecap files: the bytes of one SPICE
// connection, both directions, timestamped, as a proxy saw them. serve
// -record writes one file per websocket it proxies; serve replays them
// (its built-in demo is such a recording), and the tests replay them into
// the client.
//
// # Format
//
// A file is a magic line followed by records:
//
//	"SPICECAP 1\n"
//	record*: [u8 direction][u32 LE stamp][u32 LE length][length bytes]
//
// direction is 0 for bytes the client sent (ClientToServer) and 1 for
// bytes the server sent (ServerToClient). Records appear in the order the
// proxy received them; the bytes of one direction, concatenated, are that
// side's byte stream exactly (record boundaries carry no meaning: they are
// wherever the proxy's reads ended).
//
// stamp is the low 32 bits of the time the record was received, in
// microseconds since the connection opened, so stamps wrap after about 71
// minutes. Writers never let two consecutive records be more than 2^31 µs
// apart, inserting empty records as time markers if needed, so readers
// unwrap stamps by adding the forward distance modulo 2^32. Readers skip
// empty records. Stamps never decrease in file order.
//
// A file may be gzip-compressed as a whole (the bundled demo is stored
// that way); NewReader and Open recognise gzip's magic and decompress.
//
// # Limits
//
// A record holds at most MaxRecord bytes: writers split larger writes
// (invisible to readers, see above) and readers reject larger lengths
// without allocating for them. A reader holds one record at a time; what
// to keep of a whole file, and how much, is the caller's choice
// (ReadStreams takes a limit).
//
// # Names
//
// serve -record names the capture of its n'th connection
// "<n>-<unixnano>.spicecap" (FileName), so that a directory listing sorts
// in connection order and the name tells when the connection opened.
package spicecap
