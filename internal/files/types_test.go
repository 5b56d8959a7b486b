package files_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/files"
	"github.com/ccflow/ccflow/internal/files/filestest"
)

func TestEverySampleSniffsAsItsTypeAndNoOther(t *testing.T) {
	for typ, data := range filestest.Samples {
		detected, ok := files.Sniff(typ, data)
		require.True(t, ok, "%s detected as %s", typ, detected)
		big := filestest.Sized(typ, 200<<10)
		_, ok = files.Sniff(typ, big)
		require.True(t, ok, "%s padded", typ)
		for other := range filestest.Samples {
			if other == typ || files.TypeClass(other) == files.ClassText && files.TypeClass(typ) == files.ClassText {
				continue
			}
			_, ok := files.Sniff(other, data)
			require.False(t, ok, "%s accepted as %s", typ, other)
		}
		_, ok = files.Sniff(typ, filestest.EXE)
		require.False(t, ok, "an executable accepted as %s", typ)
	}
}

func TestParseContent(t *testing.T) {
	key := files.NewKey()
	for _, c := range []string{key + ",jpg", key + ".jpg", " " + key + ",JPG "} {
		k, typ, ok := files.ParseContent(c)
		require.True(t, ok, c)
		require.Equal(t, key, k)
		require.Equal(t, "jpg", typ)
	}
	k, typ, ok := files.ParseContent(key + ",bpm")
	require.True(t, ok)
	require.Equal(t, "bmp", typ)
	require.Equal(t, key, k)
	for _, c := range []string{"", key, key + ",exe", "../x,jpg", "abc,jpg"} {
		_, _, ok := files.ParseContent(c)
		require.False(t, ok, c)
	}
}
