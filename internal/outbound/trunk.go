package outbound

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"unicode"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ccflow/ccflow/models"
)

// Trunk is a SIP trunk the outbound leg dials: host:port and the digest
// credentials. The password only ever goes to the digest challenge: it is
// never logged (LogValue leaves it out) nor returned by the admin API.
type Trunk struct {
	Addr     string
	Username string
	Password string
}

// LogValue keeps the password out of any log line that carries a Trunk.
func (t Trunk) LogValue() slog.Value {
	return slog.GroupValue(slog.String("addr", t.Addr), slog.String("username", t.Username), slog.Bool("passwordSet", t.Password != ""))
}

// String leaves the password out too (fmt's %v and %s).
func (t Trunk) String() string {
	return fmt.Sprintf("SIP trunk %s (user %q, password set: %t)", t.Addr, t.Username, t.Password != "")
}

// GoString is String, so that %#v does not print the password either.
func (t Trunk) GoString() string { return t.String() }

// The longest username and password a tenant's trunk takes (the columns').
const (
	maxTrunkUsername = 128
	maxTrunkPassword = 128
	maxTrunkAddr     = 255
)

// InvalidTrunkError is a tenant trunk setting the admin API refuses (a 400).
type InvalidTrunkError struct{ Msg string }

// Error is what is wrong with the setting.
func (e *InvalidTrunkError) Error() string { return e.Msg }

// NormalizeTrunkAddr checks a trunk address and answers it as host:port:
// host:port as CCFLOW_SIP_TRUNK_ADDR takes it, or a SIP URI of the trunk
// (sip:host:port, or sip:host for port 5060; no user part, parameters or
// headers: the called number is the request's user part).
func NormalizeTrunkAddr(addr string) (string, error) {
	bad := func(why string) error {
		return &InvalidTrunkError{Msg: fmt.Sprintf("address %q %s: give host:port (such as 192.0.2.10:5060) or sip:host[:port]", addr, why)}
	}
	a := strings.TrimSpace(addr)
	if a == "" {
		return "", bad("is empty")
	}
	if len(a) > maxTrunkAddr {
		return "", bad(fmt.Sprintf("is longer than %d characters", maxTrunkAddr))
	}
	if strings.ContainsFunc(a, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return "", bad("contains spaces")
	}
	if len(a) > 4 && strings.EqualFold(a[:4], "sip:") {
		a = a[4:]
		if strings.ContainsAny(a, "@;?") {
			return "", bad("has a user part, parameters or headers")
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			// sip:host takes SIP's default port.
			a = net.JoinHostPort(strings.Trim(a, "[]"), "5060")
		}
	}
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return "", bad("is not host:port")
	}
	if host == "" || strings.ContainsAny(host, "/@;?") {
		return "", bad("has no valid host")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", bad("has no port from 1 to 65535")
	}
	return net.JoinHostPort(host, port), nil
}

// CheckTrunk validates a tenant's trunk and answers it with its address
// normalized (an *InvalidTrunkError otherwise).
func CheckTrunk(t Trunk) (Trunk, error) {
	addr, err := NormalizeTrunkAddr(t.Addr)
	if err != nil {
		return Trunk{}, err
	}
	t.Addr = addr
	switch {
	case len(t.Username) > maxTrunkUsername:
		return Trunk{}, &InvalidTrunkError{Msg: fmt.Sprintf("username is longer than %d characters", maxTrunkUsername)}
	case len(t.Password) > maxTrunkPassword:
		return Trunk{}, &InvalidTrunkError{Msg: fmt.Sprintf("password is longer than %d characters", maxTrunkPassword)}
	case t.Password != "" && t.Username == "":
		return Trunk{}, &InvalidTrunkError{Msg: "a password needs a username (digest authentication sends both)"}
	case strings.ContainsFunc(t.Username, unicode.IsControl), strings.ContainsFunc(t.Password, unicode.IsControl):
		return Trunk{}, &InvalidTrunkError{Msg: "username and password must not contain control characters"}
	}
	return t, nil
}

// TenantTrunk is a tenant's own trunk; ok is false for a tenant that dials
// through the process's default.
func (s *Store) TenantTrunk(ctx context.Context, tenantID string) (t Trunk, ok bool, err error) {
	var rows []models.SIPTrunk
	if err := s.DB.WithContext(ctx).Where("tenant_id = ?", tenantID).Limit(1).Find(&rows).Error; err != nil {
		return Trunk{}, false, fmt.Errorf("SIP trunk of %s: %w", tenantID, err)
	}
	if len(rows) == 0 {
		return Trunk{}, false, nil
	}
	r := rows[0]
	return Trunk{Addr: r.Address, Username: r.Username, Password: r.Password}, true, nil
}

// SetTenantTrunk gives a tenant its own trunk (checked with CheckTrunk
// first by the caller); keepPassword keeps the password the tenant's trunk
// has (so an operator can move the trunk without typing it again).
// ErrNoTenant for a tenant that does not exist.
func (s *Store) SetTenantTrunk(ctx context.Context, tenantID string, t Trunk, keepPassword bool) error {
	ok, err := s.TenantExists(ctx, tenantID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNoTenant
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if keepPassword {
			q := tx
			if tx.Dialector.Name() == models.DriverMySQL {
				q = q.Clauses(clause.Locking{Strength: "UPDATE"})
			}
			var rows []models.SIPTrunk
			if err := q.Where("tenant_id = ?", tenantID).Limit(1).Find(&rows).Error; err != nil {
				return fmt.Errorf("SIP trunk of %s: %w", tenantID, err)
			}
			t.Password = ""
			if len(rows) > 0 {
				t.Password = rows[0].Password
			}
			if _, err := CheckTrunk(t); err != nil {
				return err
			}
		}
		row := models.SIPTrunk{TenantID: tenantID, Address: t.Addr, Username: t.Username, Password: t.Password, UpdatedAt: s.now()}
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
			return fmt.Errorf("save SIP trunk of %s: %w", tenantID, err)
		}
		return nil
	})
}

// DeleteTenantTrunk sends a tenant's calls back through the process's
// default trunk; ErrNoTenant for a tenant that does not exist.
func (s *Store) DeleteTenantTrunk(ctx context.Context, tenantID string) error {
	ok, err := s.TenantExists(ctx, tenantID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNoTenant
	}
	if err := s.DB.WithContext(ctx).Where("tenant_id = ?", tenantID).Delete(&models.SIPTrunk{}).Error; err != nil {
		return fmt.Errorf("delete SIP trunk of %s: %w", tenantID, err)
	}
	return nil
}
