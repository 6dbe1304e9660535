package meta

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSealer(t *testing.T) {
	s, err := newSealer(testSecretKey)
	require.NoError(t, err)
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	a, b := s.seal("AK1", secret), s.seal("AK1", secret)
	require.NotEqual(t, a, b, "a random nonce per seal")
	require.False(t, bytes.Contains(a, []byte(secret)))
	require.Equal(t, sealFormat, a[0])

	got, err := s.open("AK1", a)
	require.NoError(t, err)
	require.Equal(t, secret, got)

	_, err = s.open("AK2", a)
	require.ErrorIs(t, err, errUnseal, "the id is bound as additional data")
	other, err := newSealer(bytes.Repeat([]byte{1}, secretKeySize))
	require.NoError(t, err)
	_, err = other.open("AK1", a)
	require.ErrorIs(t, err, errUnseal, "another key")
	tampered := bytes.Clone(a)
	tampered[len(tampered)-1] ^= 1
	_, err = s.open("AK1", tampered)
	require.ErrorIs(t, err, errUnseal)
	_, err = s.open("AK1", nil)
	require.ErrorIs(t, err, errUnseal)
	require.NotContains(t, errUnseal.Error(), secret)

	_, err = newSealer(make([]byte, 16))
	require.ErrorIs(t, err, ErrInvalid)
}
