package sipcall

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/diago/media"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/outbound"
	"github.com/ccflow/ccflow/internal/outboundcall"
	"github.com/ccflow/ccflow/internal/sipcall/siptest"
	flow "github.com/ccflow/ccflow/workflows/outbound"
)

// fakeCalls opens each code once and records what the workflow is told.
type fakeCalls struct {
	mu      sync.Mutex
	legs    map[string]outboundcall.Leg
	used    map[string]bool
	expired map[string]bool
	news    []string
	ended   chan flow.LegEnded
}

func newFakeCalls() *fakeCalls {
	return &fakeCalls{legs: map[string]outboundcall.Leg{}, used: map[string]bool{}, expired: map[string]bool{}, ended: make(chan flow.LegEnded, 10)}
}

func (f *fakeCalls) add(code, serial string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.legs[code] = outboundcall.Leg{CallSerialNo: serial, Called: "88884432", CallerPresent: "95599"}
}

func (f *fakeCalls) Claim(_ context.Context, code string) (outboundcall.Leg, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	leg, ok := f.legs[code]
	switch {
	case !ok:
		return leg, outbound.ErrNotFound
	case f.expired[code]:
		return leg, outboundcall.ErrExpired
	case f.used[code]:
		return leg, &outboundcall.RefusedError{Reason: flow.DescUsed}
	}
	f.used[code] = true
	return leg, nil
}

func (f *fakeCalls) Answered(_ context.Context, serial string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.news = append(f.news, "answered "+serial)
	return nil
}

func (f *fakeCalls) Ended(_ context.Context, serial string, e flow.LegEnded) error {
	f.mu.Lock()
	f.news = append(f.news, "ended "+serial+" "+string(e.Side)+" "+strconv.Itoa(e.SIPStatus))
	f.mu.Unlock()
	f.ended <- e
	return nil
}

func (f *fakeCalls) told() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.news...)
}

type sipEnv struct {
	t     *testing.T
	srv   *Server
	calls *fakeCalls
	trunk *siptest.Trunk
	app   *siptest.App
	addr  string
}

func newSIPEnv(t *testing.T) *sipEnv {
	t.Helper()
	e := &sipEnv{t: t, calls: newFakeCalls(), trunk: siptest.StartTrunk(t), app: siptest.NewApp(t)}
	e.addr = "127.0.0.1:" + strconv.Itoa(siptest.FreeUDPPort(t))
	srv, err := Start(Options{
		Addr: e.addr, Transport: "udp", TrunkAddr: e.trunk.Addr(), TrunkUsername: siptest.TrunkUser, TrunkPassword: siptest.TrunkPass,
		DialTimeout: 10 * time.Second, MaxDuration: time.Hour,
	}, e.calls)
	require.NoError(t, err)
	e.srv = srv
	t.Cleanup(func() { _ = srv.Close() })
	return e
}

func (e *sipEnv) ended() flow.LegEnded {
	e.t.Helper()
	select {
	case end := <-e.calls.ended:
		return end
	case <-time.After(10 * time.Second):
		e.t.Fatal("the workflow was not told the call ended")
	}
	return flow.LegEnded{}
}

// waitPackets waits until a side has received n RTP packets.
func waitPackets(t *testing.T, a *siptest.Audio, n int64, who string) {
	t.Helper()
	require.Eventually(t, func() bool { return a.Received.Load() >= n }, 10*time.Second, 20*time.Millisecond,
		"%s received %d RTP packets (sent %d)", who, a.Received.Load(), a.Sent.Load())
}

func TestSIPCallRelaysAudioBothWaysAndTheAppHangsUp(t *testing.T) {
	e := newSIPEnv(t)
	e.calls.add("1790123456789012", "serial-1")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d, med, err := e.app.Dial(ctx, e.addr, "1790123456789012")
	require.NoError(t, err)
	appAudio := siptest.StartAudio(t, med)
	defer appAudio.Halt()
	var tc siptest.TrunkCall
	select {
	case tc = <-e.trunk.Got:
	case <-ctx.Done():
		t.Fatal("the trunk got no call")
	}
	require.Equal(t, "88884432", tc.To, "the trunk leg calls the called number")
	require.Equal(t, "95599", tc.From, "and presents callerPresent")
	waitPackets(t, appAudio, 25, "the app")
	waitPackets(t, tc.Audio, 25, "the called party")

	require.NoError(t, d.Hangup(ctx))
	select {
	case <-tc.Ended:
	case <-ctx.Done():
		t.Fatal("the app's BYE did not end the trunk leg")
	}
	require.Equal(t, flow.SideApp, e.ended().Side)
	require.Equal(t, []string{"answered serial-1", "ended serial-1 app 0"}, e.calls.told())

	_, _, err = e.app.Dial(ctx, e.addr, "1790123456789012")
	require.Equal(t, 403, siptest.Status(t, err), "a used access code is refused")
}

func TestSIPCallTheCalledPartyHangsUp(t *testing.T) {
	e := newSIPEnv(t)
	e.trunk.HangUp.Store(int64(600 * time.Millisecond))
	e.calls.add("1790000000000001", "serial-2")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d, med, err := e.app.Dial(ctx, e.addr, "1790000000000001")
	require.NoError(t, err)
	appAudio := siptest.StartAudio(t, med)
	defer appAudio.Halt()
	require.Equal(t, flow.SideCalled, e.ended().Side)
	select {
	case <-d.Context().Done():
	case <-ctx.Done():
		t.Fatal("the called party's BYE did not end the app's leg")
	}
	require.Positive(t, appAudio.Received.Load(), "audio flowed before the hang-up")
}

func TestSIPCallRefusesUnknownAndExpiredCodes(t *testing.T) {
	e := newSIPEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, _, err := e.app.Dial(ctx, e.addr, "1790999999999999")
	require.Equal(t, 404, siptest.Status(t, err), "a code that names no call")

	e.calls.add("1790000000000002", "serial-3")
	e.calls.mu.Lock()
	e.calls.expired["1790000000000002"] = true
	e.calls.mu.Unlock()
	_, _, err = e.app.Dial(ctx, e.addr, "1790000000000002")
	require.Equal(t, 403, siptest.Status(t, err), "an expired code")
	require.Empty(t, e.calls.told(), "a refused code tells the workflow nothing")
	select {
	case c := <-e.trunk.Got:
		t.Fatalf("a refused code reached the trunk: %+v", c)
	default:
	}
}

func TestSIPCallTheTrunkIsBusy(t *testing.T) {
	e := newSIPEnv(t)
	e.trunk.Busy.Store(true)
	e.calls.add("1790000000000003", "serial-4")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, _, err := e.app.Dial(ctx, e.addr, "1790000000000003")
	require.Equal(t, 486, siptest.Status(t, err), "the app hears the trunk's answer")
	end := e.ended()
	require.Equal(t, 486, end.SIPStatus)
	require.Equal(t, flow.SideCalled, end.Side)
}

func TestSIPServiceHangsUpItsCallsWhenItStops(t *testing.T) {
	e := newSIPEnv(t)
	e.calls.add("1790000000000004", "serial-5")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d, med, err := e.app.Dial(ctx, e.addr, "1790000000000004")
	require.NoError(t, err)
	appAudio := siptest.StartAudio(t, med)
	defer appAudio.Halt()
	tc := <-e.trunk.Got
	waitPackets(t, appAudio, 5, "the app")
	require.NoError(t, e.srv.Close())
	end := e.ended()
	require.Equal(t, flow.SideServer, end.Side)
	require.Equal(t, DescShutDown, end.Reason)
	for _, done := range []<-chan struct{}{d.Context().Done(), tc.Ended} {
		select {
		case <-done:
		case <-ctx.Done():
			t.Fatal("a leg was not hung up")
		}
	}
}

func TestSIPCallOffersTheTrunkTheAppsCodecs(t *testing.T) {
	e := newSIPEnv(t)
	e.app = siptest.NewApp(t, diago.WithMediaConfig(diago.MediaConfig{Codecs: []media.Codec{media.CodecAudioAlaw}}))
	e.calls.add("1790000000000005", "serial-6")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d, med, err := e.app.Dial(ctx, e.addr, "1790000000000005")
	require.NoError(t, err, "an app offering PCMA only gets a PCMA trunk leg, not a PCMU one it cannot take")
	require.Equal(t, media.CodecAudioAlaw.Name, med.MediaSession().Codecs[0].Name)
	appAudio := siptest.StartAudio(t, med)
	defer appAudio.Halt()
	tc := <-e.trunk.Got
	waitPackets(t, appAudio, 10, "the app")
	waitPackets(t, tc.Audio, 10, "the called party")
	require.NoError(t, d.Hangup(ctx))
	require.Equal(t, flow.SideApp, e.ended().Side)
}
