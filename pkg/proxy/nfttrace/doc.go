// Package nfttrace follows a packet through an nftables table, rule by
// rule, the way the kernel would for the first packet of a connection.
//
// It reads a table from a knftables.Fake (or anything that can be loaded
// into one) and interprets the subset of the nft language that the svcnet
// proxy writes: address, protocol and port matches, concatenated map and
// set lookups, vmaps, numgen, fib, ct state, marks, jump/goto/return,
// accept/drop/reject, dnat and masquerade, counters and set updates. A rule
// it does not understand is an error, never a silent skip, so a trace can
// be trusted.
//
// Base chains run hook by hook in priority order: prerouting, then input
// or forward depending on the (possibly DNATed) destination, then
// postrouting; packets from a local address take output and postrouting.
// Where a rule chooses at random (numgen), every branch is followed, so a
// Result holds one Path per possible outcome.
//
// The proxy's unit tests use it to check packet fates ("from 10.0.0.2 to
// 172.30.0.41:80 reaches 10.180.0.1:80, masqueraded"), and Proxier.Trace
// uses it to explain a packet's path to users.
package nfttrace
