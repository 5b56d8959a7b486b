// Package sipcall is ccflow's embedded SIP service for anonymous outbound
// calls (spec 003 §16). A field agent's app (a SIP user agent) dials its
// call's single-use access code here; the service places the outbound leg
// to the called number through the configured SIP trunk, presenting the
// callerPresent number, and relays the RTP audio between the two legs.
//
// It is built on emiago/diago (over emiago/sipgo): diago is the B2BUA
// sipgo lacks (dialogs with their SDP offer/answer, RTP sessions, digest
// authentication to the trunk) and its Bridge relays the audio of two
// dialogs without transcoding, which is all this service does with media.
package sipcall

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/diago/media"
	"github.com/emiago/sipgo"

	"github.com/ccflow/ccflow/internal/outboundcall"
	flow "github.com/ccflow/ccflow/workflows/outbound"
)

// Calls is what the SIP service needs of the outbound calls.
type Calls interface {
	// Claim opens the call of an access code, once (outbound.ErrNotFound,
	// outboundcall.ErrExpired, *outboundcall.RefusedError otherwise).
	Claim(ctx context.Context, accessCode string) (outboundcall.Leg, error)
	// Answered and Ended tell the call's workflow about its legs.
	Answered(ctx context.Context, callSerialNo string) error
	Ended(ctx context.Context, callSerialNo string, e flow.LegEnded) error
}

// Options configure the service; Trunk* are the process's default SIP
// trunk's (a tenant's own trunk comes with each call's Leg); a password is
// only ever given to the digest challenge.
type Options struct {
	// Addr is where the service listens (host:port).
	Addr string
	// PublicAddr is the host:port it announces in Contact and SDP; empty
	// takes Addr.
	PublicAddr    string
	Transport     string
	TrunkAddr     string
	TrunkUsername string
	TrunkPassword string
	DialTimeout   time.Duration
	MaxDuration   time.Duration
	Logger        *slog.Logger
}

// Server is the running SIP service.
type Server struct {
	opts   Options
	calls  Calls
	log    *slog.Logger
	ua     *sipgo.UserAgent
	dg     *diago.Diago
	cancel context.CancelFunc
	// stop is closed by Close: calls in progress hang up both legs while
	// the transport still runs.
	stop chan struct{}
	// mu orders entering a call (wg.Add) before Close's wait.
	mu     sync.Mutex
	closed bool
	// calls in progress: Close waits for their handlers.
	wg sync.WaitGroup
}

// codecs are the payloads both legs may use; the relay does not transcode,
// so the app's leg is answered with the trunk leg's codec.
var codecs = []media.Codec{media.CodecAudioUlaw, media.CodecAudioAlaw}

// Start listens at o.Addr and serves calls until Close.
func Start(o Options, calls Calls) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	host, port, err := splitHostPort(o.Addr)
	if err != nil {
		return nil, fmt.Errorf("SIP listen address: %w", err)
	}
	tran := diago.Transport{Transport: o.Transport, BindHost: host, BindPort: port}
	if o.PublicAddr != "" {
		if tran.ExternalHost, tran.ExternalPort, err = splitHostPort(o.PublicAddr); err != nil {
			return nil, fmt.Errorf("SIP public address: %w", err)
		}
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("ccflow"))
	if err != nil {
		return nil, fmt.Errorf("SIP user agent: %w", err)
	}
	// diago logs each dialog at info; the service logs what matters itself.
	quiet := slog.New(leveled{o.Logger.Handler(), slog.LevelWarn})
	dg := diago.NewDiago(ua, diago.WithTransport(tran), diago.WithMediaConfig(diago.MediaConfig{Codecs: codecs}), diago.WithLogger(quiet))
	s := &Server{opts: o, calls: calls, log: o.Logger, ua: ua, dg: dg, stop: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	if err := dg.ServeBackground(ctx, s.handle); err != nil {
		cancel()
		return nil, errors.Join(fmt.Errorf("SIP service on %s: %w", o.Addr, err), ua.Close())
	}
	return s, nil
}

// enter counts a call in unless the service is closing.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// stopping is closed when the service closes: its calls are hung up.
func (s *Server) stopping() <-chan struct{} { return s.stop }

// Close hangs up the calls in progress, waits for them, then stops
// listening.
func (s *Server) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.stop)
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.cancel()
	return s.ua.Close()
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("port of %q: %w", addr, err)
	}
	return host, port, nil
}

// leveled drops records below its level.
type leveled struct {
	slog.Handler
	min slog.Level
}

// Enabled drops levels below min.
func (l leveled) Enabled(ctx context.Context, lv slog.Level) bool {
	return lv >= l.min && l.Handler.Enabled(ctx, lv)
}

// WithAttrs keeps the level.
func (l leveled) WithAttrs(a []slog.Attr) slog.Handler {
	return leveled{l.Handler.WithAttrs(a), l.min}
}

// WithGroup keeps the level.
func (l leveled) WithGroup(name string) slog.Handler {
	return leveled{l.Handler.WithGroup(name), l.min}
}
