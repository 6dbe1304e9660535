package s3err

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEveryCodeHasARowNamedForIt(t *testing.T) {
	for code, api := range table {
		require.Equal(t, code, api.Code)
		require.NotEmpty(t, api.Message, code)
		require.GreaterOrEqual(t, api.Status, 300, code)
	}
}

func TestUnknownCodeBecomesInternalError(t *testing.T) {
	e := New("NoSuchThing")
	require.Equal(t, InternalError, e.Code)
	require.Equal(t, http.StatusInternalServerError, e.Status)
}

func TestWrappedErrorsMatchByCode(t *testing.T) {
	err := fmt.Errorf("reading: %w", New(NoSuchKey).WithKey("a/b"))
	require.True(t, errors.Is(err, New(NoSuchKey)))
	require.False(t, errors.Is(err, New(NoSuchBucket)))
	e, ok := As(err)
	require.True(t, ok)
	require.Equal(t, "a/b", e.Key)
	require.Equal(t, "NoSuchKey: The specified key does not exist.", e.Error())
}
