package chat

import (
	"context"

	"github.com/ccflow/ccflow/internal/transfer"
)

// TransferWords is a tenant's lines that, typed to the robot, ask for a
// person; internal/transfer's Words reads them from the tenants table.
type TransferWords interface {
	// Matches tells whether content is one of the tenant's transfer lines.
	Matches(ctx context.Context, tenantID, content string) (bool, error)
	// Invalidate forgets a tenant's cached lines after the admin API changed them.
	Invalidate(tenantID string)
}

var defaultTransfer = transfer.NewSet(transfer.Defaults)

// TransferIntent tells whether a visitor's line to the robot is one of the
// built-in transfer lines (for a tenant that set none).
func TransferIntent(content string) bool { return defaultTransfer.Matches(content) }

// transferIntent tells whether a visitor's line to the robot asks for a
// person in the tenant's words; the robot's own "did not understand" line
// tells visitors to type 转人工.
func (s *Service) transferIntent(ctx context.Context, tenantID, content string) (bool, error) {
	if s.Transfer == nil {
		return TransferIntent(content), nil
	}
	return s.Transfer.Matches(ctx, tenantID, content)
}
