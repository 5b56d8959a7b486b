package sipcall

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/diago/media"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/ccflow/ccflow/internal/outbound"
	"github.com/ccflow/ccflow/internal/outboundcall"
	flow "github.com/ccflow/ccflow/workflows/outbound"
)

// DescShutDown is the end of a call the SIP service hung up as it stopped.
const DescShutDown = "the SIP service shut down"

// tellTimeout bounds telling the workflow about a leg; the call goes on
// (or ends) whatever the workflow's answer.
const tellTimeout = 10 * time.Second

// handle serves one INVITE from an app: claim the access code, dial the
// trunk, answer the app with the trunk leg's codec, relay, hang up both.
func (s *Server) handle(in *diago.DialogServerSession) {
	if !s.enter() {
		s.respond(in, sip.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	defer s.wg.Done()
	// 100 Trying at once: the claim waits for the workflow's dial update,
	// and the app should stop retransmitting its INVITE meanwhile.
	if err := in.Trying(); err != nil {
		s.log.Warn("SIP 100 Trying", "error", err)
	}
	code := in.InviteRequest.Recipient.User
	ctx := in.Context()
	leg, err := s.calls.Claim(ctx, code)
	if err != nil {
		status, reason := refusal(err)
		s.log.Info("SIP call refused", "status", status, "reason", err.Error())
		s.respond(in, status, reason)
		return
	}
	log := s.log.With("callSerialNo", leg.CallSerialNo)
	if err := in.Ringing(); err != nil {
		log.Warn("SIP 180 Ringing", "error", err)
	}
	out, outMed, end := s.dial(ctx, in, leg)
	if out == nil {
		s.tellEnded(leg.CallSerialNo, end, log)
		if ctx.Err() == nil {
			s.respond(in, sipFailure(end.SIPStatus), end.Reason)
		}
		return
	}
	defer func() {
		if err := out.Close(); err != nil {
			log.Debug("close trunk dialog", "error", err)
		}
	}()
	s.tell(log, "answered", func(ctx context.Context) error { return s.calls.Answered(ctx, leg.CallSerialNo) })
	end = s.bridge(in, out, outMed, log)
	s.tellEnded(leg.CallSerialNo, end, log)
}

// refusal maps a refused claim to its SIP answer: 404 for a code that
// names no live call, 403 for one used or expired, 503 while the
// database or Temporal is down.
func refusal(err error) (int, string) {
	var refused *outboundcall.RefusedError
	switch {
	case errors.Is(err, outbound.ErrNotFound):
		return sip.StatusNotFound, "Not Found"
	case errors.Is(err, outboundcall.ErrExpired), errors.As(err, &refused):
		return sip.StatusForbidden, "Forbidden"
	}
	return sip.StatusServiceUnavailable, "Service Unavailable"
}

// sipFailure is the answer to the app for a trunk leg that did not connect:
// the trunk's own failure when it gave one, 480 otherwise.
func sipFailure(status int) int {
	if status >= 400 && status < 700 {
		return status
	}
	return sip.StatusTemporarilyUnavailable
}

func (s *Server) respond(in *diago.DialogServerSession, status int, reason string) {
	if err := in.Respond(status, reason, nil); err != nil {
		s.log.Debug("SIP response", "status", status, "error", err)
	}
}

// dial places the trunk leg through the tenant's own trunk if it has one,
// else the process's, offering only the codecs the app offered (the relay
// does not transcode); a nil dialog comes with why it failed. The trunk's
// password goes to the digest challenge only, never to a log line.
func (s *Server) dial(ctx context.Context, in *diago.DialogServerSession, leg outboundcall.Leg) (*diago.DialogClientSession, *diago.DialogMedia, flow.LegEnded) {
	trunk := outbound.Trunk{Addr: s.opts.TrunkAddr, Username: s.opts.TrunkUsername, Password: s.opts.TrunkPassword}
	if leg.Trunk != nil {
		trunk = *leg.Trunk
	}
	host, port, err := splitHostPort(trunk.Addr)
	if err != nil {
		return nil, nil, flow.LegEnded{Side: flow.SideServer, Reason: "the SIP trunk's address is not host:port"}
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.DialTimeout)
	defer cancel()
	// A stopping service gives up its dialling at once.
	go func() {
		select {
		case <-s.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	recipient := sip.Uri{Scheme: "sip", User: leg.Called, Host: host, Port: port}
	from := &sip.FromHeader{
		DisplayName: leg.CallerPresent,
		Address:     sip.Uri{Scheme: "sip", User: leg.CallerPresent, Host: host},
		Params:      sip.NewParams(),
	}
	from.Params.Add("tag", sip.GenerateTagN(16))
	out, med, err := s.dg.Invite(ctx, recipient, diago.InviteOptions{
		Originator: in, Username: trunk.Username, Password: trunk.Password, Headers: []sip.Header{from},
	})
	if err == nil {
		return out, med, flow.LegEnded{}
	}
	var resp *sipgo.ErrDialogResponse
	var respVal sipgo.ErrDialogResponse
	switch {
	case errors.As(err, &resp) && resp.Res != nil:
		return nil, nil, trunkRefused(resp.Res)
	case errors.As(err, &respVal) && respVal.Res != nil:
		return nil, nil, trunkRefused(respVal.Res)
	case s.stopped():
		return nil, nil, flow.LegEnded{Side: flow.SideServer, Reason: DescShutDown}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, nil, flow.LegEnded{Side: flow.SideCalled, SIPStatus: sip.StatusRequestTimeout, Reason: flow.DescNoAnswer}
	case ctx.Err() != nil:
		return nil, nil, flow.LegEnded{Side: flow.SideApp, Reason: "the app cancelled the call while it was dialling"}
	}
	return nil, nil, flow.LegEnded{Side: flow.SideServer, SIPStatus: sip.StatusServiceUnavailable, Reason: "the SIP trunk could not be reached"}
}

func trunkRefused(res *sip.Response) flow.LegEnded {
	return flow.LegEnded{Side: flow.SideCalled, SIPStatus: res.StatusCode,
		Reason: fmt.Sprintf("the SIP trunk answered %d %s", res.StatusCode, res.Reason)}
}

// bridge answers the app with the trunk leg's codec, relays the audio
// between the legs until either hangs up (or the call reaches its maximum
// duration), then hangs up the other; it says how the call ended.
func (s *Server) bridge(in *diago.DialogServerSession, out *diago.DialogClientSession, outMed *diago.DialogMedia, log interface {
	Warn(string, ...any)
}) flow.LegEnded {
	hangUpOut := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := out.Hangup(ctx); err != nil {
			log.Warn("hang up the trunk leg", "error", err)
		}
	}
	inMed, err := in.Answer(diago.AnswerOptions{Codecs: audioCodec(outMed)})
	if err != nil {
		hangUpOut()
		return flow.LegEnded{Side: flow.SideServer, Reason: "the app's leg could not be answered with the trunk's codec: " + err.Error()}
	}
	b := diago.NewBridge()
	if err := b.AddDialogMedia(inMed); err == nil {
		err = b.AddDialogMedia(outMed)
	}
	if err != nil {
		hangUpOut()
		s.hangUpIn(in, log)
		return flow.LegEnded{Side: flow.SideServer, Reason: "the legs' media could not be bridged: " + err.Error()}
	}
	max := time.NewTimer(s.opts.MaxDuration)
	defer max.Stop()
	select {
	case <-in.Context().Done():
		hangUpOut()
		return flow.LegEnded{Side: flow.SideApp}
	case <-out.Context().Done():
		s.hangUpIn(in, log)
		return flow.LegEnded{Side: flow.SideCalled}
	case <-max.C:
		hangUpOut()
		s.hangUpIn(in, log)
		return flow.LegEnded{Side: flow.SideServer, Reason: flow.DescMaxLength}
	case <-s.stopping():
	}
	hangUpOut()
	s.hangUpIn(in, log)
	return flow.LegEnded{Side: flow.SideServer, Reason: DescShutDown}
}

func (s *Server) hangUpIn(in *diago.DialogServerSession, log interface{ Warn(string, ...any) }) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := in.Hangup(ctx); err != nil {
		log.Warn("hang up the app's leg", "error", err)
	}
}

// audioCodec is the trunk leg's negotiated audio codec (without DTMF).
func audioCodec(m *diago.DialogMedia) []media.Codec {
	for _, c := range m.MediaSession().Codecs {
		if c.Name != media.CodecTelephoneEvent8000.Name {
			return []media.Codec{c}
		}
	}
	return codecs
}

func (s *Server) tellEnded(serial string, e flow.LegEnded, log interface{ Warn(string, ...any) }) {
	s.tell(log, "ended", func(ctx context.Context) error { return s.calls.Ended(ctx, serial, e) })
}

func (s *Server) tell(log interface{ Warn(string, ...any) }, what string, f func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), tellTimeout)
	defer cancel()
	if err := f(ctx); err != nil {
		log.Warn("tell the outbound call workflow", "news", what, "error", err)
	}
}

// stopped reports whether Close has begun.
func (s *Server) stopped() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}
