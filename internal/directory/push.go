package directory

import (
	"context"
	"fmt"
)

// pushTargets returns what a conversation of the tenant needs for its
// webhook events: the tenant's business id and its enabled endpoints, in id
// order. One query, because every CONNECT asks.
func (d *Directory) pushTargets(ctx context.Context, tenantID string) (int64, []uint64, error) {
	var rows []struct {
		BusinessID int64
		EndpointID *uint64
	}
	err := d.DB.WithContext(ctx).Raw(
		"SELECT t.business_id AS business_id, w.id AS endpoint_id FROM tenants t"+
			" LEFT JOIN webhook_endpoints w ON w.tenant_id = t.id AND w.enabled = ?"+
			" WHERE t.id = ? ORDER BY w.id", true, tenantID).
		Scan(&rows).Error
	if err != nil {
		return 0, nil, fmt.Errorf("look up webhooks of tenant %s: %w", tenantID, err)
	}
	if len(rows) == 0 {
		return 0, nil, fmt.Errorf("tenant %s: %w", tenantID, ErrNotFound)
	}
	var endpoints []uint64
	for _, r := range rows {
		if r.EndpointID != nil {
			endpoints = append(endpoints, *r.EndpointID)
		}
	}
	return rows[0].BusinessID, endpoints, nil
}
