package embedded

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
)

// serviceNames are the Temporal services the embedded server runs.
var serviceNames = []string{"frontend", "history", "matching", "worker"}

// ports are one service's internal gRPC and membership ports.
type ports struct {
	GRPC       int `json:"grpc"`
	Membership int `json:"membership"`
}

// servicePorts returns the internal ports of the services, the same ones on
// every start of a data directory. The server remembers its hosts by address
// in its database: with new addresses after a restart it would wait for the
// old ones to be declared dead, close to a minute, before serving.
//
// The ports in avoid (the frontend's and the UI's) are never handed out: they
// are not bound yet when this runs, so the OS could offer them as free.
func servicePorts(path string, avoid ...int) (map[string]ports, error) {
	saved := map[string]ports{}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &saved); err != nil {
			saved = map[string]ports{}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("embedded Temporal: read %s: %w", path, err)
	}
	out := map[string]ports{}
	changed := false
	for _, name := range serviceNames {
		p, ok := saved[name]
		if !ok || !available(p.GRPC) || !available(p.Membership) || slices.Contains(avoid, p.GRPC) || slices.Contains(avoid, p.Membership) {
			var err error
			if p.GRPC, err = freePortExcept(avoid); err != nil {
				return nil, err
			}
			if p.Membership, err = freePortExcept(append(avoid, p.GRPC)); err != nil {
				return nil, err
			}
			changed = true
		}
		out[name] = p
	}
	if changed {
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("embedded Temporal: write %s: %w", path, err)
		}
	}
	return out, nil
}

// freePortExcept returns a free loopback port that is not in avoid.
func freePortExcept(avoid []int) (int, error) {
	for range 100 {
		p, err := freePort()
		if err != nil {
			return 0, err
		}
		if !slices.Contains(avoid, p) {
			return p, nil
		}
	}
	return 0, errors.New("embedded Temporal: no free port found")
}

// available says whether a port can be bound on the loopback right now.
func available(port int) bool {
	if port <= 0 {
		return false
	}
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}
