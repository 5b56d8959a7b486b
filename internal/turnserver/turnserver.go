// Package turnserver is ccflow's embedded TURN/STUN server (pion/turn) for
// click-to-call: it relays a call's media between two browsers that cannot
// reach each other directly, for credentials ccflow issued per call.
package turnserver

import (
	"fmt"
	"net"
	"time"

	"github.com/pion/turn/v4"

	"github.com/ccflow/ccflow/internal/clicktocall"
)

// Realm is the TURN realm of ccflow's credentials.
const Realm = "ccflow"

// Server is a running TURN server.
type Server struct {
	srv  *turn.Server
	addr net.Addr
	ip   string
}

// Start listens on addr (UDP) and relays for credentials signed with secret
// (clicktocall.TURNPassword of an unexpired clicktocall.TURNUsername). Relays
// are allocated on publicIP, which the browsers are told; empty takes
// addr's host.
func Start(addr, publicIP, secret string) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("CCFLOW_TURN_ADDR %q: %w", addr, err)
	}
	if publicIP == "" {
		publicIP = host
	}
	relayIP := net.ParseIP(publicIP)
	if relayIP == nil {
		return nil, fmt.Errorf("CCFLOW_TURN_PUBLIC_IP %q is not an IP address", publicIP)
	}
	bind := host
	if bind == "" {
		bind = "0.0.0.0"
	}
	conn, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return nil, fmt.Errorf("CCFLOW_TURN_ADDR: cannot listen on udp %s: %w", addr, err)
	}
	srv, err := turn.NewServer(turn.ServerConfig{
		Realm: Realm,
		AuthHandler: func(username, realm string, _ net.Addr) ([]byte, bool) {
			if clicktocall.TURNExpired(username, time.Now()) {
				return nil, false
			}
			return turn.GenerateAuthKey(username, realm, clicktocall.TURNPassword(secret, username)), true
		},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            conn,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{RelayAddress: relayIP, Address: bind},
		}},
	})
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("start TURN server: %w", err)
	}
	return &Server{srv: srv, addr: conn.LocalAddr(), ip: publicIP}, nil
}

// URL is the TURN URL browsers use to reach the server.
func (s *Server) URL() string {
	_, port, _ := net.SplitHostPort(s.addr.String())
	return "turn:" + net.JoinHostPort(s.ip, port) + "?transport=udp"
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }
