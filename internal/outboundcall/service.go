// Package outboundcall is the service behind anonymous outbound calls
// (spec 003 §16): createcall writes a call and starts its workflow; the SIP
// service opens a call by its access code and tells the workflow about its
// legs.
package outboundcall

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ccflow/ccflow/internal/outbound"
	"github.com/ccflow/ccflow/models"
	flow "github.com/ccflow/ccflow/workflows/outbound"
)

// Result codes of spec 003 table 16-3 the service answers.
const (
	CodeOK          = "0"
	CodeOff         = "3001000001"
	CodeNoSIPServer = "3001000002"
)

// The descriptions that go with them.
const (
	DescOK          = "Success"
	DescOff         = "the anonymous call feature is not enabled (no SIP service is configured)"
	DescTenantOff   = "the anonymous call feature is not enabled for this tenant"
	DescNoSIPServer = "no SIP trunk is configured for outbound calls"
)

// Workflows is what the service needs of Temporal.
type Workflows interface {
	// Start runs a call's workflow.
	Start(ctx context.Context, in flow.Start) error
	// Dial asks the call's workflow to dial; a *RefusedError when it will not.
	Dial(ctx context.Context, callSerialNo string) error
	// Answered and Ended tell the workflow about its legs.
	Answered(ctx context.Context, callSerialNo string) error
	Ended(ctx context.Context, callSerialNo string, e flow.LegEnded) error
}

// RefusedError is a dial the workflow refused (a used or expired code).
type RefusedError struct{ Reason string }

// Error is the workflow's reason.
func (e *RefusedError) Error() string { return e.Reason }

// Settings are the SIP service's, as createcall needs them.
type Settings struct {
	// Enabled is the SIP service running in this process's deployment.
	Enabled bool
	// ServiceAddress is the ip:port apps dial (sipServiceAddress).
	ServiceAddress string
	// TrunkConfigured tells whether the process's default SIP trunk is set
	// (a tenant with a trunk of its own needs none).
	TrunkConfigured bool
	// AccessCodePrefix starts every access code.
	AccessCodePrefix string
	// DefaultCaller is presented when the request names no callerPresent.
	DefaultCaller string
	AccessCodeTTL time.Duration
	DialTimeout   time.Duration
	MaxDuration   time.Duration
}

// Service creates outbound calls (createcall) and opens them to the SIP
// service by their access codes.
type Service struct {
	Store    *outbound.Store
	Flows    Workflows
	Settings Settings
}

func (s *Service) now() time.Time {
	if s.Store.Now != nil {
		return s.Store.Now().UTC()
	}
	return time.Now().UTC()
}

// Request is createcall's input, checked by the handler.
type Request struct {
	TenantID      string
	AppKey        string
	Called        string
	CallData      string
	CallerPresent string
}

// Data is createcall's resultData.
type Data struct {
	CallSerialNo      string `json:"callSerialNo"`
	SIPServiceAddress string `json:"sipServiceAddress"`
	AccessCode        string `json:"accesscode"`
}

// Result is createcall's answer.
type Result struct {
	Code string
	Desc string
	Data *Data
}

// Create writes the call and starts its workflow, or answers why not.
func (s *Service) Create(ctx context.Context, r Request) (Result, error) {
	if !s.Settings.Enabled {
		return Result{Code: CodeOff, Desc: DescOff}, nil
	}
	on, err := s.Store.Enabled(ctx, r.TenantID)
	if err != nil {
		return Result{}, err
	}
	if !on {
		return Result{Code: CodeOff, Desc: DescTenantOff}, nil
	}
	if !s.Settings.TrunkConfigured {
		_, own, err := s.Store.TenantTrunk(ctx, r.TenantID)
		if err != nil {
			return Result{}, err
		}
		if !own {
			return Result{Code: CodeNoSIPServer, Desc: DescNoSIPServer}, nil
		}
	}
	caller := r.CallerPresent
	if caller == "" {
		caller = s.Settings.DefaultCaller
	}
	serial, err := randomDigits(20)
	if err != nil {
		return Result{}, err
	}
	tail, err := randomDigits(12)
	if err != nil {
		return Result{}, err
	}
	code := s.Settings.AccessCodePrefix + tail
	row := models.OutboundCall{
		CallSerialNo: serial, TenantID: r.TenantID, AppKey: r.AppKey, Called: r.Called, CallerPresent: caller,
		CallData: r.CallData, AccessCode: &code, State: string(flow.StateRequested),
		ExpiresAt: s.now().Add(s.Settings.AccessCodeTTL),
	}
	if err := s.Store.Create(ctx, row); err != nil {
		return Result{}, err
	}
	err = s.Flows.Start(ctx, flow.Start{
		CallSerialNo: serial, AccessCodeTTL: s.Settings.AccessCodeTTL, DialTimeout: s.Settings.DialTimeout, MaxDuration: s.Settings.MaxDuration,
	})
	if err != nil {
		return Result{}, err
	}
	return Result{Code: CodeOK, Desc: DescOK, Data: &Data{CallSerialNo: serial, SIPServiceAddress: s.Settings.ServiceAddress, AccessCode: code}}, nil
}

// Leg is what the SIP service needs to place a call's trunk leg.
type Leg struct {
	CallSerialNo  string
	Called        string
	CallerPresent string
	// Trunk is the tenant's own trunk, read as the call is claimed (so a
	// change counts from the next call on, on every replica); nil dials
	// the process's default trunk.
	Trunk *outbound.Trunk
}

// ErrExpired is an access code past its expiry (its workflow may not have
// ended it yet).
var ErrExpired = errors.New("the access code expired")

// Claim opens the call an access code belongs to, once: ErrNotFound for a
// code that names no live call, ErrExpired or a *RefusedError for one
// that was used or expired.
func (s *Service) Claim(ctx context.Context, accessCode string) (Leg, error) {
	row, err := s.Store.ByAccessCode(ctx, accessCode)
	if err != nil {
		return Leg{}, err
	}
	if !s.now().Before(row.ExpiresAt) {
		return Leg{}, ErrExpired
	}
	trunk, own, err := s.Store.TenantTrunk(ctx, row.TenantID)
	if err != nil {
		return Leg{}, err
	}
	if err := s.Flows.Dial(ctx, row.CallSerialNo); err != nil {
		return Leg{}, err
	}
	leg := Leg{CallSerialNo: row.CallSerialNo, Called: row.Called, CallerPresent: row.CallerPresent}
	if own {
		leg.Trunk = &trunk
	}
	return leg, nil
}

// Answered tells the call's workflow its trunk leg was answered.
func (s *Service) Answered(ctx context.Context, callSerialNo string) error {
	return s.Flows.Answered(ctx, callSerialNo)
}

// Ended tells the call's workflow that a leg ended.
func (s *Service) Ended(ctx context.Context, callSerialNo string, e flow.LegEnded) error {
	return s.Flows.Ended(ctx, callSerialNo, e)
}

// randomDigits is n random decimal digits (crypto/rand: access codes are
// the only key to a call).
func randomDigits(n int) (string, error) {
	out := make([]byte, n)
	ten := big.NewInt(10)
	for i := range out {
		d, err := rand.Int(rand.Reader, ten)
		if err != nil {
			return "", fmt.Errorf("random digits: %w", err)
		}
		out[i] = byte('0' + d.Int64())
	}
	return string(out), nil
}
