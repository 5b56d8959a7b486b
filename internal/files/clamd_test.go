package files_test

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/files"
)

// fakeClamd speaks clamd's INSTREAM: it reads the chunks and answers FOUND
// when the stream holds the EICAR test string.
func fakeClamd(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = conn.Close() }()
				cmd := make([]byte, len("zINSTREAM\x00"))
				if _, err := io.ReadFull(conn, cmd); err != nil {
					return
				}
				var data []byte
				for {
					var size [4]byte
					if _, err := io.ReadFull(conn, size[:]); err != nil {
						return
					}
					n := binary.BigEndian.Uint32(size[:])
					if n == 0 {
						break
					}
					chunk := make([]byte, n)
					if _, err := io.ReadFull(conn, chunk); err != nil {
						return
					}
					data = append(data, chunk...)
				}
				reply := "stream: OK\x00"
				if strings.Contains(string(data), "EICAR-STANDARD-ANTIVIRUS-TEST-FILE") {
					reply = "stream: Eicar-Test-Signature FOUND\x00"
				}
				_, _ = conn.Write([]byte(reply))
			}()
		}
	}()
	return ln.Addr().String()
}

// EICAR is the antivirus test file every scanner reports.
const EICAR = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

func TestClamdProtocol(t *testing.T) {
	c := files.Clamd{Addr: fakeClamd(t)}
	found, err := c.Scan(context.Background(), []byte(EICAR))
	require.NoError(t, err)
	require.Equal(t, "Eicar-Test-Signature", found)
	found, err = c.Scan(context.Background(), []byte(strings.Repeat("clean ", 30000)))
	require.NoError(t, err)
	require.Empty(t, found)
}

func TestUploadScanning(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	s.Scanner = files.Clamd{Addr: fakeClamd(t)}
	_, err := s.Upload(ctx, visitor, "txt", []byte(EICAR))
	require.ErrorIs(t, err, files.ErrInfected)
	_, err = s.Upload(ctx, visitor, "txt", []byte("hello"))
	require.NoError(t, err)

	// clamd down: refused by default, stored unscanned when failing open.
	s.Scanner = files.Clamd{Addr: "127.0.0.1:1"}
	_, err = s.Upload(ctx, visitor, "txt", []byte("hello"))
	require.ErrorIs(t, err, files.ErrScanUnavailable)
	s.ScanFailOpen = true
	s.Logger = discardLogger()
	_, err = s.Upload(ctx, visitor, "txt", []byte("hello"))
	require.NoError(t, err)
}
