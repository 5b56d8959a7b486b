package files

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"time"
)

// Clamd scans data with ClamAV's clamd over its INSTREAM command.
type Clamd struct {
	// Addr is host:port, or the path of clamd's unix socket.
	Addr string
	// Timeout bounds one scan; zero means clamdTimeout.
	Timeout time.Duration
}

const (
	clamdTimeout = 30 * time.Second
	clamdChunk   = 64 << 10
)

// Scan sends data to clamd and answers the signature it found, "" if none.
func (c Clamd) Scan(ctx context.Context, data []byte) (string, error) {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = clamdTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	network := "tcp"
	if strings.HasPrefix(c.Addr, "/") {
		network = "unix"
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, c.Addr)
	if err != nil {
		return "", fmt.Errorf("clamd: %w", err)
	}
	defer func() { _ = conn.Close() }()
	if dl, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(dl); err != nil {
			return "", err
		}
	}
	w := bufio.NewWriter(conn)
	if _, err := w.WriteString("zINSTREAM\x00"); err != nil {
		return "", fmt.Errorf("clamd: %w", err)
	}
	var size [4]byte
	for off := 0; off < len(data); off += clamdChunk {
		chunk := data[off:min(off+clamdChunk, len(data))]
		binary.BigEndian.PutUint32(size[:], uint32(len(chunk)))
		if _, err := w.Write(size[:]); err != nil {
			return "", fmt.Errorf("clamd: %w", err)
		}
		if _, err := w.Write(chunk); err != nil {
			return "", fmt.Errorf("clamd: %w", err)
		}
	}
	binary.BigEndian.PutUint32(size[:], 0)
	if _, err := w.Write(size[:]); err != nil {
		return "", fmt.Errorf("clamd: %w", err)
	}
	if err := w.Flush(); err != nil {
		return "", fmt.Errorf("clamd: %w", err)
	}
	reply, err := bufio.NewReader(conn).ReadString(0)
	if err != nil {
		return "", fmt.Errorf("clamd: %w", err)
	}
	return parseClamdReply(strings.TrimRight(reply, "\x00\n"))
}

// parseClamdReply reads "stream: OK", "stream: NAME FOUND" or "... ERROR".
func parseClamdReply(reply string) (string, error) {
	_, result, _ := strings.Cut(reply, ": ")
	switch {
	case result == "OK":
		return "", nil
	case strings.HasSuffix(result, " FOUND"):
		return strings.TrimSuffix(result, " FOUND"), nil
	}
	return "", fmt.Errorf("clamd: %s", reply)
}
