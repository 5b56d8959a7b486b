package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"github.com/ccflow/ccflow/api"
	"github.com/ccflow/ccflow/internal/config"
	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/workflows/conversation"
	"github.com/ccflow/ccflow/workflows/retention"
)

// fileService is the file store the configuration chooses, with its limits
// and optional scanner; an S3 bucket is checked (and made, when missing).
func fileService(ctx context.Context, s *stack, cfg config.Config, db *gorm.DB) (*files.Service, error) {
	var store files.Store
	switch cfg.Files.Store {
	case "s3":
		s3, err := files.NewS3Store(files.S3Config{
			Endpoint: cfg.Files.S3Endpoint, Region: cfg.Files.S3Region, Bucket: cfg.Files.S3Bucket,
			AccessKey: cfg.Files.S3AccessKey, SecretKey: cfg.Files.S3SecretKey, PathStyle: cfg.Files.S3PathStyle,
		})
		if err != nil {
			return nil, err
		}
		if err := s3.Ping(ctx); err != nil {
			if cerr := s3.CreateBucket(ctx); cerr != nil {
				return nil, fmt.Errorf("S3 bucket %s: %w", cfg.Files.S3Bucket, err)
			}
		}
		store = s3
	default:
		dir, err := files.NewDirStore(cfg.FileDir())
		if err != nil {
			return nil, err
		}
		store = dir
	}
	svc := &files.Service{
		DB: db, Store: store, Logger: s.logger, ScanFailOpen: cfg.Files.ClamdFailOpen,
		Limits: files.Limits{
			files.ClassImage: cfg.Files.MaxImage, files.ClassAudio: cfg.Files.MaxAudio,
			files.ClassVideo: cfg.Files.MaxVideo, files.ClassText: cfg.Files.MaxText,
		},
	}
	if cfg.Files.ClamdAddr != "" {
		svc.Scanner = files.Clamd{Addr: cfg.Files.ClamdAddr}
	}
	return svc, nil
}

// sweepUnreferenced removes, every few minutes, uploads that no message
// referenced within an hour. Every API replica runs it: the removal of one
// file is claimed by a conditional update, so two sweeps never conflict.
func sweepUnreferenced(svc *files.Service) func(ctx context.Context) {
	return func(ctx context.Context) {
		t := time.NewTicker(5 * time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			for {
				n, err := svc.RemoveUnreferenced(ctx, time.Now(), 100)
				if err != nil {
					svc.Logger.Warn("remove unreferenced uploads", "error", err)
				}
				if err != nil || n < 100 {
					break
				}
			}
		}
	}
}

// withFiles gives the API and the message path the file service, and
// starts the sweep of unreferenced uploads.
func withFiles(ctx context.Context, s *stack, cfg config.Config, db *gorm.DB, deps *api.Deps) error {
	svc, err := fileService(ctx, s, cfg, db)
	if err != nil {
		return err
	}
	deps.Files = svc
	deps.Chat.Files = svc
	background(s, sweepUnreferenced(svc))
	return nil
}

// scheduleRetention makes sure the hourly file retention schedule exists
// (Temporal UI lists it under Schedules); every worker asks, the first makes it.
func scheduleRetention(ctx context.Context, c client.Client) error {
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:      retention.ScheduleID,
		Spec:    client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}},
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		Action: &client.ScheduleWorkflowAction{
			ID: retention.WorkflowID, Workflow: retention.WorkflowName, TaskQueue: conversation.TaskQueue,
		},
	})
	if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("file retention schedule: %w", err)
	}
	return nil
}
