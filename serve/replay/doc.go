// Package replay plays a recorded SPICE session back to real clients, as
// if the recorded server were live: serve's built-in demo runs on it.
//
// A recording is a directory of spicecap captures, one per channel of one
// session, as serve -record writes them (plain or gzip-compressed). Load
// reads it into a Recording, which serves any number of connections at
// once: every connection gets its own replay of its channel, from the
// start.
//
// # What a client sees
//
// A connection links as with a real server. The client's link message
// selects the recorded channel (type and id); the main channel may use any
// connection id, the others must use the session id the recorded main
// channel announced, which the replayed INIT gives the client, so a client
// links exactly as it did when the session was recorded. A channel that was
// not recorded, or a wrong session id, gets the link error spice-server
// would send. The link reply is the recorded one, public key included; the
// client's ticket is encrypted with that key under a random padding, so it
// differs every time, and is read and accepted whatever it holds.
//
// After the link, the recorded server messages follow at their recorded
// times, counted from the moment the client's link message arrived (the
// same moment in the recording). Headers are written in the framing this
// client negotiated, which may differ from the recorded one. What the
// client sends is read and dropped, message by message, without keeping
// it: ACKs, PONGs, display init, input. Motion is the exception: the
// inputs channel acknowledges every InputMotionAckBunch motion messages, as
// a server does, so that the client does not stop sending them. PINGs lose
// the padding spice-server's network test adds to them: they are answered
// the same, and only a live server measures with them.
//
// On the main channel the replay may add a NAME (Options.Name, which the
// client shows as the guest's name) and an info NOTIFY of high visibility
// (Options.Notice) right after INIT, which is how the demo says it is a
// recording.
//
// # The end
//
// Display and cursor channels loop: the recording plays, the last frame
// holds for Options.Hold, and the recording starts again, for
// Options.LoopFor in all, after which the last frame holds for good. Every
// looping channel of a recording uses the same period (the longest
// channel's length plus the hold), so channels stay in step pass after
// pass. Before a pass the display channel's state is reset with messages
// the client already handles: streams and off-screen surfaces destroyed,
// the image and palette caches emptied. The primary surface stays and the
// recorded SURFACE_CREATE for it is skipped, so the screen does not blank;
// the recording's first frame repaints it. A display recording with GLZ
// images does not loop: GLZ images refer to earlier ones by id, and a
// client's dictionary does not take ids going back (record with
// --image-compression auto_lz or quic). Other channels play once and then
// stay open and quiet, as an idle server's would.
//
// # Limits
//
// Load keeps at most Options.MaxBytes of recorded bytes. A client's link
// message is bounded by spice.MaxLinkMessSize, the link must complete
// within 10 seconds, and its later messages are skipped without being
// buffered, whatever size they claim. A write that cannot complete within
// 30 seconds (a client that stopped reading) ends the connection.
package replay
