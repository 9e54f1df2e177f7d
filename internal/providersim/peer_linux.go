package providersim

import (
	"net"

	"golang.org/x/sys/unix"
)

// Kernel TCP states: TCP_CLOSE_WAIT, the peer has sent FIN; TCP_CLOSE, the
// peer has reset the connection (a client that closes right after sending
// QUIT resets it when the 221 arrives).
const (
	tcpClose     = 7
	tcpCloseWait = 8
)

// peerGone reports whether the client has already closed its end of c.
// A sender that reads 221 to its QUIT and reconnects at once gets its new
// connection accepted before the server goroutine has closed the old one;
// by then the kernel has the old one's FIN, which this asks it about.
func peerGone(c net.Conn) bool {
	tcp, ok := c.(*net.TCPConn)
	if !ok {
		return false
	}
	raw, err := tcp.SyscallConn()
	if err != nil {
		return false
	}
	gone := false
	_ = raw.Control(func(fd uintptr) {
		info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		gone = err == nil && (info.State == tcpCloseWait || info.State == tcpClose)
	})
	return gone
}
