package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/ccflow/ccflow/models"
)

// Who uploaded a file or asks for one.
const (
	PartyCustomer = "CUSTOMER"
	PartyAgent    = "AGENT"
)

// File states: a row is written pending before its object, and stored after.
const (
	StatePending = "pending"
	StateStored  = "stored"
	// StateDeleting marks a file the cleanup or retention is removing.
	StateDeleting = "deleting"
)

// Party is who uploads or downloads: a visitor (UserID on ChannelConfigID),
// an agent (UserID is the agent's id; Supervisor sees the whole tenant), or
// the tenant's integration (Type empty: any file of the tenant).
type Party struct {
	Type            string
	TenantID        string
	ChannelConfigID string
	UserID          string
	Supervisor      bool
}

// Scanner checks an upload for malware before its key is returned.
type Scanner interface {
	// Scan answers the name of what it found, "" when the data is clean.
	Scan(ctx context.Context, data []byte) (string, error)
}

// Service stores and hands out the files of conversations.
type Service struct {
	DB     *gorm.DB
	Store  Store
	Limits Limits
	// Scanner, when set, scans every upload (CCFLOW_CLAMD_ADDR).
	Scanner Scanner
	// ScanFailOpen stores an upload unscanned when the scanner is down;
	// by default such an upload is refused.
	ScanFailOpen bool
	Logger       *slog.Logger
}

// Limits are the largest files by class (IMAGE, AUDIO, VIDEO, TEXT), in bytes.
type Limits map[string]int64

// Max is the largest limit: the upload route's body limit follows it.
func (l Limits) Max() int64 {
	var m int64
	for _, v := range l {
		m = max(m, v)
	}
	return m
}

// Errors of an upload or a download; the API maps each to spec 003's codes.
var (
	ErrBadType  = errors.New("fileType must be one of jpg, png, bmp (or bpm), mp3, aac, mp4, txt, csv")
	ErrEmpty    = errors.New("fileStream is empty")
	ErrMismatch = errors.New("the file's content is not of its fileType")
	ErrTooLarge = errors.New("the file is larger than its type's limit")
	ErrInfected = errors.New("the file contains malware")
	// ErrScanUnavailable is an upload refused because the scanner is down.
	ErrScanUnavailable = errors.New("the virus scanner is unavailable")
	// ErrNoFile is a key that names no file the party may have, whether or
	// not it exists: the caller learns nothing about others' files.
	ErrNoFile = errors.New("no such file for you")
	// ErrTypeDiffers is a download whose fileType is not the file's own.
	ErrTypeDiffers = errors.New("fileType is not the file's type")
)

// LimitError is ErrTooLarge with the numbers.
type LimitError struct {
	FileType    string
	Size, Limit int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("the file is %d bytes, more than the %d bytes a %s file may have", e.Size, e.Limit, e.FileType)
}

// Unwrap makes a LimitError an ErrTooLarge.
func (e *LimitError) Unwrap() error { return ErrTooLarge }

// MismatchError is ErrMismatch with what the content is.
type MismatchError struct{ FileType, Detected string }

func (e *MismatchError) Error() string {
	return fmt.Sprintf("the content is %s, not a %s file", e.Detected, e.FileType)
}

// Unwrap makes a MismatchError an ErrMismatch.
func (e *MismatchError) Unwrap() error { return ErrMismatch }

// Upload checks data against its declared type and the limits, scans it,
// and stores it under a fresh key, returned once the object is written.
// The row is written first, pending: a crash before the object is written
// leaves a row (no object) that the hourly cleanup removes, never a key
// that names nothing.
func (s *Service) Upload(ctx context.Context, p Party, declared string, data []byte) (models.StoredFile, error) {
	t, ok := NormalizeType(declared)
	if !ok {
		return models.StoredFile{}, ErrBadType
	}
	if len(data) == 0 {
		return models.StoredFile{}, ErrEmpty
	}
	if limit := s.Limits[TypeClass(t)]; limit > 0 && int64(len(data)) > limit {
		return models.StoredFile{}, &LimitError{FileType: t, Size: int64(len(data)), Limit: limit}
	}
	detected, ok := Sniff(t, data)
	if !ok {
		return models.StoredFile{}, &MismatchError{FileType: t, Detected: detected}
	}
	if err := s.scan(ctx, data); err != nil {
		return models.StoredFile{}, err
	}
	sum := sha256.Sum256(data)
	key := NewKey()
	f := models.StoredFile{
		ObjectKey: key, TenantID: p.TenantID, UserID: p.UserID, FileName: key + "." + t, MediaType: TypeClass(t),
		ContentType: ContentType(t), Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		CreatedAt: time.Now().UTC(), ChannelConfigID: p.ChannelConfigID, UploaderType: p.Type, FileType: t, State: StatePending,
	}
	if err := s.DB.WithContext(ctx).Create(&f).Error; err != nil {
		return models.StoredFile{}, err
	}
	if err := s.Store.Put(ctx, key, bytes.NewReader(data), int64(len(data)), f.ContentType); err != nil {
		return models.StoredFile{}, fmt.Errorf("%w: %w", ErrStore, err)
	}
	err := s.DB.WithContext(ctx).Model(&models.StoredFile{}).Where("object_key = ?", key).Update("state", StateStored).Error
	if err != nil {
		return models.StoredFile{}, err
	}
	f.State = StateStored
	return f, nil
}

// ErrStore is the object store failing (down, full, refusing).
var ErrStore = errors.New("file store failed")

func (s *Service) scan(ctx context.Context, data []byte) error {
	if s.Scanner == nil {
		return nil
	}
	found, err := s.Scanner.Scan(ctx, data)
	switch {
	case err != nil && s.ScanFailOpen:
		s.Logger.Warn("upload stored unscanned: the virus scanner failed", "error", err)
		return nil
	case err != nil:
		return fmt.Errorf("%w: %w", ErrScanUnavailable, err)
	case found != "":
		return fmt.Errorf("%w: %s", ErrInfected, found)
	}
	return nil
}

// Attach ties a stored file the party uploaded to the conversation a
// message of theirs is about to be written in, and answers the file. It
// runs before the message is written: a crash between the two leaves a
// referenced file without a message (retention removes it), never a
// message whose file the unreferenced-upload cleanup deleted.
func (s *Service) Attach(ctx context.Context, p Party, key, fileType, conversationID string) (models.StoredFile, error) {
	var f models.StoredFile
	err := s.DB.WithContext(ctx).Where("object_key = ?", key).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && !uploadedBy(f, p)) || (err == nil && f.State != StateStored) ||
		(err == nil && f.ConversationID != "" && f.ConversationID != conversationID) {
		return f, ErrNoFile
	}
	if err != nil {
		return f, err
	}
	if f.FileType != fileType {
		return f, ErrTypeDiffers
	}
	if f.ConversationID == "" {
		now := time.Now().UTC()
		// Only a stored file still unreferenced: the cleanup marks the
		// files it removes first, so one of the two wins whole.
		res := s.DB.WithContext(ctx).Model(&models.StoredFile{}).
			Where("object_key = ? AND conversation_id = '' AND state = ?", key, StateStored).
			Updates(map[string]any{"conversation_id": conversationID, "referenced_at": now})
		if res.Error != nil {
			return f, res.Error
		}
		if res.RowsAffected == 0 {
			// Another send of the same file won (to this conversation: fine), or the cleanup did.
			if err := s.DB.WithContext(ctx).Where("object_key = ?", key).Take(&f).Error; err != nil || f.ConversationID != conversationID {
				return f, errors.Join(err, ErrNoFile)
			}
		}
		f.ConversationID, f.ReferencedAt = conversationID, &now
	}
	return f, nil
}

// Referenced records the message that carries the file.
func (s *Service) Referenced(ctx context.Context, key string, seq int64) error {
	return s.DB.WithContext(ctx).Model(&models.StoredFile{}).Where("object_key = ? AND message_seq = 0", key).
		Update("message_seq", seq).Error
}

func uploadedBy(f models.StoredFile, p Party) bool {
	return f.TenantID == p.TenantID && f.UploaderType == p.Type && f.UserID == p.UserID && f.ChannelConfigID == p.ChannelConfigID
}

// Open answers the file under key for a party of its conversation, and
// its bytes. ErrNoFile covers a missing key and another's file alike.
func (s *Service) Open(ctx context.Context, p Party, key, fileType string) (models.StoredFile, []byte, error) {
	var f models.StoredFile
	if !ValidKey(key) {
		return f, nil, ErrNoFile
	}
	err := s.DB.WithContext(ctx).Where("object_key = ? AND state = ?", key, StateStored).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return f, nil, ErrNoFile
	}
	if err != nil {
		return f, nil, err
	}
	allowed, err := s.mayRead(ctx, p, f)
	if err != nil {
		return f, nil, err
	}
	if !allowed {
		return f, nil, ErrNoFile
	}
	if fileType != f.FileType {
		return f, nil, ErrTypeDiffers
	}
	rc, err := s.Store.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		// The row outlived its object (retention ran between the two).
		return f, nil, ErrNoFile
	}
	if err != nil {
		return f, nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	defer func() { _ = rc.Close() }()
	data, err := io.ReadAll(io.LimitReader(rc, f.Size+1))
	if err != nil {
		return f, nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	return f, data, nil
}

// mayRead decides whether p is a party of f's conversation: its visitor
// (unless they deleted the message from their records), an agent who
// served it, a supervisor or the integration of its tenant, or the
// uploader of a file not yet sent.
func (s *Service) mayRead(ctx context.Context, p Party, f models.StoredFile) (bool, error) {
	if f.TenantID != p.TenantID {
		return false, nil
	}
	if p.Type == "" || (p.Type == PartyAgent && p.Supervisor) {
		return true, nil
	}
	if f.ConversationID == "" {
		return uploadedBy(f, p), nil
	}
	db := s.DB.WithContext(ctx)
	var conv models.Conversation
	if err := db.Where("id = ?", f.ConversationID).Take(&conv).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return false, nil
		}
		return false, err
	}
	switch p.Type {
	case PartyCustomer:
		if conv.ChannelConfigID != p.ChannelConfigID || conv.UserID != p.UserID {
			return false, nil
		}
		// chat-records/delete hides the message, and so its file, from the member.
		var hidden int64
		err := db.Model(&models.ChatRecord{}).
			Where("conversation_id = ? AND content = ? AND deleted_by_member_at IS NOT NULL", f.ConversationID, Content(f.ObjectKey, f.FileType)).
			Count(&hidden).Error
		return hidden == 0, err
	case PartyAgent:
		if conv.AgentID == p.UserID || (f.UploaderType == PartyAgent && f.UserID == p.UserID) {
			return true, nil
		}
		var served int64
		err := db.Model(&models.ChatRecord{}).
			Where("conversation_id = ? AND sender_type = ? AND sender_id = ?", f.ConversationID, PartyAgent, p.UserID).
			Limit(1).Count(&served).Error
		return served > 0, err
	}
	return false, nil
}

// unreferencedAfter is how long an upload may wait for the message that sends it.
const unreferencedAfter = time.Hour

// RemoveUnreferenced deletes the files (object, then row) that no message
// referenced within an hour of their upload, at most limit per call, and
// answers how many it removed. Pending rows of crashed uploads go too.
func (s *Service) RemoveUnreferenced(ctx context.Context, now time.Time, limit int) (int, error) {
	var stale []models.StoredFile
	err := s.DB.WithContext(ctx).Where("conversation_id = '' AND created_at < ?", now.Add(-unreferencedAfter)).
		Order("created_at").Limit(limit).Find(&stale).Error
	if err != nil {
		return 0, err
	}
	return s.remove(ctx, stale, "conversation_id = ''")
}

// RemoveOlderThan deletes the tenant's files uploaded before cutoff
// (retention), at most limit per call.
func (s *Service) RemoveOlderThan(ctx context.Context, tenantID string, cutoff time.Time, limit int) (int, error) {
	var old []models.StoredFile
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND created_at < ?", tenantID, cutoff).
		Order("created_at").Limit(limit).Find(&old).Error
	if err != nil {
		return 0, err
	}
	return s.remove(ctx, old, "1 = 1")
}

// remove marks each file deleting (if cond still holds, so a send that
// attached it meanwhile keeps it), deletes its object, then its row: an
// object is never left without its row, and a failed delete is retried by
// the next sweep.
func (s *Service) remove(ctx context.Context, fs []models.StoredFile, cond string) (int, error) {
	n := 0
	for _, f := range fs {
		res := s.DB.WithContext(ctx).Model(&models.StoredFile{}).Where("object_key = ? AND "+cond, f.ObjectKey).
			Update("state", StateDeleting)
		if res.Error != nil {
			return n, res.Error
		}
		if res.RowsAffected == 0 {
			continue
		}
		if err := s.Store.Delete(ctx, f.ObjectKey); err != nil {
			return n, err
		}
		if err := s.DB.WithContext(ctx).Where("object_key = ?", f.ObjectKey).Delete(&models.StoredFile{}).Error; err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
