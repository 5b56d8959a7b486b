package admin

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/models"
)

func TestFAQEntryLifecycleAndValidation(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		e, err := s.CreateFAQEntry(ctx, NewFAQEntry{TenantID: models.DemoTenantID, FAQFields: FAQFields{
			Question: ptr("支持货到付款吗"), Answer: ptr("支持，限大陆地区。\n详情见帮助中心。"), Keywords: ptr("货到付款，付款"),
		}})
		require.NoError(t, err)
		require.NotZero(t, e.ID)

		updated, err := s.UpdateFAQEntry(ctx, e.ID, FAQFields{Answer: ptr("暂不支持。")})
		require.NoError(t, err)
		require.Equal(t, "暂不支持。", updated.Answer)
		require.Equal(t, "支持货到付款吗", updated.Question)
		got, err := s.FAQEntry(ctx, e.ID)
		require.NoError(t, err)
		require.Equal(t, "暂不支持。", got.Answer)

		create := func(f FAQFields) func() error {
			return func() error {
				_, err := s.CreateFAQEntry(ctx, NewFAQEntry{TenantID: models.DemoTenantID, FAQFields: f})
				return err
			}
		}
		unchanged(t, s, KindInvalid, "question is required; answer is required", create(FAQFields{}))
		unchanged(t, s, KindInvalid, "question must be at most 500 characters", create(FAQFields{Question: ptr(string(make([]rune, 501))), Answer: ptr("a")}))
		unchanged(t, s, KindInvalid, "answer must be at most 2000 characters", create(FAQFields{Question: ptr("q"), Answer: ptr(string(make([]rune, 2001)))}))
		unchanged(t, s, KindInvalid, "answer must not contain control characters", create(FAQFields{Question: ptr("q"), Answer: ptr("a\x00b")}))
		unchanged(t, s, KindInvalid, "answer is required", func() error {
			_, err := s.UpdateFAQEntry(ctx, e.ID, FAQFields{Answer: ptr("")})
			return err
		})
		unchanged(t, s, KindNotFound, "there is no FAQ entry 9999", func() error {
			_, err := s.DeleteFAQEntry(ctx, 9999)
			return err
		})

		deleted, err := s.DeleteFAQEntry(ctx, e.ID)
		require.NoError(t, err)
		require.Equal(t, models.DemoTenantID, deleted.TenantID, "the caller learns whose cache to drop")
		_, err = s.FAQEntry(ctx, e.ID)
		requireRefused(t, err, KindNotFound, "there is no FAQ entry")
	})
}
