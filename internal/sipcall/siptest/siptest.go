// Package siptest holds in-process SIP user agents for tests: an app that
// dials an access code at ccflow's SIP service, and a SIP trunk that asks
// for digest credentials and answers as the called number; both send a
// PCMU frame every 20 ms and count the RTP packets they receive.
package siptest

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/require"
)

// FreeUDPPort is a UDP port on 127.0.0.1 nothing listens on right now,
// below the ephemeral range, so that no RTP socket (diago binds those on
// ephemeral ports) takes it before the user agent binds it.
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	for range 100 {
		port := 20000 + rand.IntN(12000)
		c, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		require.NoError(t, c.Close())
		return port
	}
	t.Fatal("no free UDP port found")
	return 0
}

// newUA is an in-process SIP user agent on 127.0.0.1 (the app, or the trunk).
func newUA(t testing.TB, name string, opts ...diago.DiagoOption) (*diago.Diago, int) {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent(name))
	require.NoError(t, err)
	t.Cleanup(func() { _ = ua.Close() })
	port := FreeUDPPort(t)
	opts = append([]diago.DiagoOption{
		diago.WithTransport(diago.Transport{Transport: "udp", BindHost: "127.0.0.1", BindPort: port}),
		diago.WithLogger(slog.New(slog.DiscardHandler)),
	}, opts...)
	return diago.NewDiago(ua, opts...), port
}

// Audio is one side's media: it sends a PCMU frame every 20 ms and counts
// the RTP packets it receives, until stop.
type Audio struct {
	// Received and Sent count RTP packets.
	Received atomic.Int64
	Sent     atomic.Int64
	stop     chan struct{}
	once     sync.Once
}

// StartAudio plays and counts audio on m until Halt.
func StartAudio(t testing.TB, m *diago.DialogMedia) *Audio {
	t.Helper()
	r, err := m.AudioReader()
	require.NoError(t, err)
	w, err := m.AudioWriter()
	require.NoError(t, err)
	a := &Audio{stop: make(chan struct{})}
	go func() {
		buf := make([]byte, 1500)
		for {
			n, err := r.Read(buf)
			if err != nil {
				return
			}
			if n > 0 {
				a.Received.Add(1)
			}
		}
	}()
	go func() {
		frame := make([]byte, 160)
		for i := range frame {
			frame[i] = 0xFF // PCMU silence
		}
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-a.stop:
				return
			case <-tick.C:
				if _, err := w.Write(frame); err != nil {
					// The call ended (io.EOF) or its media broke: stop sending.
					return
				}
				a.Sent.Add(1)
			}
		}
	}()
	return a
}

// Halt stops sending.
func (a *Audio) Halt() { a.once.Do(func() { close(a.stop) }) }

// Trunk plays the SIP trunk: it asks for digest credentials, answers as
// the called number and plays audio until either side hangs up.
type Trunk struct {
	port int
	// Busy answers 486 instead.
	Busy atomic.Bool
	// HangUp, when set, ends each answered call after that many nanoseconds.
	HangUp atomic.Int64
	// Got receives each answered call.
	Got chan TrunkCall
}

// TrunkCall is what the trunk saw of one call.
type TrunkCall struct {
	To, From string
	Audio    *Audio
	// Ended is closed when the call ends.
	Ended chan struct{}
}

// The trunk's digest credentials.
const (
	TrunkUser = "ccflow"
	TrunkPass = "trunk-secret"
)

// StartTrunk runs a trunk on 127.0.0.1 asking for TrunkUser and TrunkPass
// until the test ends.
func StartTrunk(t testing.TB) *Trunk {
	t.Helper()
	return StartTrunkWith(t, TrunkUser, TrunkPass)
}

// StartTrunkWith runs a trunk asking for its own digest credentials (a
// tenant's trunk, besides the process's default): a call with other
// credentials is refused and never answered.
func StartTrunkWith(t testing.TB, user, pass string) *Trunk {
	t.Helper()
	dg, port := newUA(t, "trunk")
	tr := &Trunk{port: port, Got: make(chan TrunkCall, 100)}
	auth := diago.NewDigestServer()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	require.NoError(t, dg.ServeBackground(ctx, func(d *diago.DialogServerSession) {
		if err := auth.AuthorizeDialog(d, diago.DigestAuth{Username: user, Password: pass, Realm: "trunk"}); err != nil {
			return
		}
		if tr.Busy.Load() {
			_ = d.Respond(sip.StatusBusyHere, "Busy Here", nil)
			return
		}
		med, err := d.Answer(diago.AnswerOptions{})
		if err != nil {
			return
		}
		c := TrunkCall{To: d.ToUser(), From: d.FromUser(), Audio: StartAudio(t, med), Ended: make(chan struct{})}
		tr.Got <- c
		if after := time.Duration(tr.HangUp.Load()); after > 0 {
			select {
			case <-time.After(after):
				hctx, hcancel := context.WithTimeout(context.Background(), 5*time.Second)
				_ = d.Hangup(hctx)
				hcancel()
			case <-d.Context().Done():
			}
		} else {
			<-d.Context().Done()
		}
		c.Audio.Halt()
		close(c.Ended)
	}))
	return tr
}

// Addr is the trunk's host:port.
func (tr *Trunk) Addr() string { return "127.0.0.1:" + strconv.Itoa(tr.port) }

// App plays the field agent's app: it dials an access code at the service.
type App struct {
	dg *diago.Diago
}

// NewApp runs an app on 127.0.0.1 until the test ends (opts such as its
// codecs, diago.WithMediaConfig).
func NewApp(t testing.TB, opts ...diago.DiagoOption) *App {
	t.Helper()
	dg, _ := newUA(t, "app", opts...)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	require.NoError(t, dg.ServeBackground(ctx, func(d *diago.DialogServerSession) {}))
	return &App{dg: dg}
}

// Dial calls code at the service's address.
func (a *App) Dial(ctx context.Context, serviceAddr, code string) (*diago.DialogClientSession, *diago.DialogMedia, error) {
	host, p, err := net.SplitHostPort(serviceAddr)
	if err != nil {
		return nil, nil, err
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return nil, nil, err
	}
	for {
		d, m, err := a.dg.Invite(ctx, sip.Uri{Scheme: "sip", User: code, Host: host, Port: port}, diago.InviteOptions{})
		// sipgo reports its UDP listener ready just before it registers it
		// for outgoing requests: an INVITE right after the start may try to
		// bind the listener's port again. Wait for the registration.
		if errors.Is(err, syscall.EADDRINUSE) && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		return d, m, err
	}
}

// Status is the SIP status a refused dial got.
func Status(t testing.TB, err error) int {
	t.Helper()
	var p *sipgo.ErrDialogResponse
	if errors.As(err, &p) {
		return p.Res.StatusCode
	}
	var v sipgo.ErrDialogResponse
	require.ErrorAs(t, err, &v)
	return v.Res.StatusCode
}
