package sipcall

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/stretchr/testify/require"
)

// freeUDPPort is a UDP port on 127.0.0.1 nothing listens on right now.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	port := c.LocalAddr().(*net.UDPAddr).Port
	require.NoError(t, c.Close())
	return port
}

// newUA is an in-process SIP user agent on 127.0.0.1 (the app, or the trunk).
func newUA(t *testing.T, name string, opts ...diago.DiagoOption) (*diago.Diago, int) {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent(name))
	require.NoError(t, err)
	t.Cleanup(func() { _ = ua.Close() })
	port := freeUDPPort(t)
	opts = append([]diago.DiagoOption{diago.WithTransport(diago.Transport{Transport: "udp", BindHost: "127.0.0.1", BindPort: port})}, opts...)
	return diago.NewDiago(ua, opts...), port
}

// audio is one side's media: it sends a PCMU frame every 20 ms and counts
// the RTP packets it receives, until stop.
type audio struct {
	received atomic.Int64
	sent     atomic.Int64
	stop     chan struct{}
	done     sync.WaitGroup
}

func startAudio(t *testing.T, m *diago.DialogMedia) *audio {
	t.Helper()
	r, err := m.AudioReader()
	require.NoError(t, err)
	w, err := m.AudioWriter()
	require.NoError(t, err)
	a := &audio{stop: make(chan struct{})}
	a.done.Add(2)
	go func() {
		defer a.done.Done()
		buf := make([]byte, 1500)
		for {
			n, err := r.Read(buf)
			if err != nil {
				return
			}
			if n > 0 {
				a.received.Add(1)
			}
		}
	}()
	go func() {
		defer a.done.Done()
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
					if !errors.Is(err, io.EOF) {
						return
					}
					return
				}
				a.sent.Add(1)
			}
		}
	}()
	return a
}

func (a *audio) halt() { close(a.stop) }

// trunk plays the SIP trunk: it asks for digest credentials, answers as
// the called number and plays audio until either side hangs up.
type trunk struct {
	t     *testing.T
	port  int
	mu    sync.Mutex
	calls []trunkCall
	// busy answers 486 instead.
	busy atomic.Bool
	// hangUp, when set, ends the answered call after the delay.
	hangUp atomic.Int64
	got    chan trunkCall
}

// trunkCall is what the trunk saw of one call.
type trunkCall struct {
	To, From string
	Audio    *audio
	Ended    chan struct{}
}

const (
	trunkUser = "ccflow"
	trunkPass = "trunk-secret"
)

func startTrunk(t *testing.T) *trunk {
	t.Helper()
	dg, port := newUA(t, "trunk")
	tr := &trunk{t: t, port: port, got: make(chan trunkCall, 10)}
	auth := diago.NewDigestServer()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	require.NoError(t, dg.ServeBackground(ctx, func(d *diago.DialogServerSession) {
		if err := auth.AuthorizeDialog(d, diago.DigestAuth{Username: trunkUser, Password: trunkPass, Realm: "trunk"}); err != nil {
			return
		}
		if tr.busy.Load() {
			_ = d.Respond(sip.StatusBusyHere, "Busy Here", nil)
			return
		}
		med, err := d.Answer(diago.AnswerOptions{})
		if err != nil {
			return
		}
		c := trunkCall{To: d.ToUser(), From: d.FromUser(), Audio: startAudio(t, med), Ended: make(chan struct{})}
		tr.got <- c
		if after := time.Duration(tr.hangUp.Load()); after > 0 {
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
		c.Audio.halt()
		close(c.Ended)
	}))
	return tr
}

func (tr *trunk) addr() string { return "127.0.0.1:" + strconv.Itoa(tr.port) }

// app plays the field agent's app: it dials an access code at the service.
type app struct {
	dg *diago.Diago
}

func newApp(t *testing.T) *app {
	t.Helper()
	dg, _ := newUA(t, "app")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	require.NoError(t, dg.ServeBackground(ctx, func(d *diago.DialogServerSession) {}))
	return &app{dg: dg}
}

// dial calls code at the service's address.
func (a *app) dial(ctx context.Context, serviceAddr, code string) (*diago.DialogClientSession, *diago.DialogMedia, error) {
	host, port, err := splitHostPort(serviceAddr)
	if err != nil {
		return nil, nil, err
	}
	return a.dg.Invite(ctx, sip.Uri{Scheme: "sip", User: code, Host: host, Port: port}, diago.InviteOptions{})
}

// status is the SIP status a refused dial got.
func status(t *testing.T, err error) int {
	t.Helper()
	var p *sipgo.ErrDialogResponse
	if errors.As(err, &p) {
		return p.Res.StatusCode
	}
	var v sipgo.ErrDialogResponse
	require.ErrorAs(t, err, &v)
	return v.Res.StatusCode
}
