package dnstest

import (
	"net"

	"github.com/miekg/dns"
)

// Recorder is a dns.ResponseWriter that keeps what was written. Like a
// real server's writer, it packs the message, so a reply that cannot be
// sent fails here too.
type Recorder struct {
	// Msg is the last message written.
	Msg *dns.Msg
	// Size is its packed size in bytes.
	Size int

	local, remote net.Addr
	buf           []byte
}

var _ dns.ResponseWriter = (*Recorder)(nil)

// NewRecorder returns a Recorder that looks like a UDP connection, or a
// TCP one when tcp is set, between two loopback addresses.
func NewRecorder(tcp bool) *Recorder {
	ip := net.IPv4(127, 0, 0, 1)
	if tcp {
		return &Recorder{local: &net.TCPAddr{IP: ip, Port: 53}, remote: &net.TCPAddr{IP: ip, Port: 40000}}
	}
	return &Recorder{local: &net.UDPAddr{IP: ip, Port: 53}, remote: &net.UDPAddr{IP: ip, Port: 40000}}
}

// WriteMsg packs and keeps m.
func (r *Recorder) WriteMsg(m *dns.Msg) error {
	b, err := m.PackBuffer(r.buf[:0])
	if err != nil {
		return err
	}
	r.buf, r.Msg, r.Size = b, m, len(b)
	return nil
}

// Write keeps a packed message.
func (r *Recorder) Write(b []byte) (int, error) {
	m := new(dns.Msg)
	if err := m.Unpack(b); err != nil {
		return 0, err
	}
	r.Msg, r.Size = m, len(b)
	return len(b), nil
}

// LocalAddr implements dns.ResponseWriter.
func (r *Recorder) LocalAddr() net.Addr { return r.local }

// RemoteAddr implements dns.ResponseWriter.
func (r *Recorder) RemoteAddr() net.Addr { return r.remote }

// Network implements dns.ResponseWriter.
func (r *Recorder) Network() string { return r.local.Network() }

// Close implements dns.ResponseWriter.
func (r *Recorder) Close() error { return nil }

// TsigStatus implements dns.ResponseWriter.
func (r *Recorder) TsigStatus() error { return nil }

// TsigTimersOnly implements dns.ResponseWriter.
func (r *Recorder) TsigTimersOnly(bool) {}

// Hijack implements dns.ResponseWriter.
func (r *Recorder) Hijack() {}
