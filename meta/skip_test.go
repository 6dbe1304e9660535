package meta

import (
	"encoding/json"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"
)

// TestUnknownCommandWithTheIgnoreFlagIsSkipped: an entry of a type this FSM does not
// know is skipped when it carries IgnoreUnknownTypeFlag (a newer node's command an
// older one may miss during a rolling upgrade) and stops the FSM when it does not; a
// known command with the flag is applied as usual.
func TestUnknownCommandWithTheIgnoreFlagIsSkipped(t *testing.T) {
	f := newFSM()
	unknown := CommandType(0x7e)
	body, err := json.Marshal(map[string]string{"hint": "x"})
	require.NoError(t, err)

	entry := append([]byte{byte(unknown | IgnoreUnknownTypeFlag)}, body...)
	require.Nil(t, f.Apply(&raft.Log{Index: 1, Type: raft.LogCommand, Data: entry}))
	require.EqualValues(t, 1, f.index(), "the skipped entry still advances the applied index")
	require.NoError(t, f.check(entry), "a leader may propose it")

	known, err := json.Marshal(BucketCreate{Name: "photos", CreatedAt: t0})
	require.NoError(t, err)
	entry = append([]byte{byte(CmdBucketCreate | IgnoreUnknownTypeFlag)}, known...)
	require.Nil(t, f.Apply(&raft.Log{Index: 2, Type: raft.LogCommand, Data: entry}))
	_, ok := f.bucket("photos")
	require.True(t, ok, "a known command with the flag is applied")

	entry = append([]byte{byte(unknown)}, body...)
	require.Panics(t, func() { f.Apply(&raft.Log{Index: 3, Type: raft.LogCommand, Data: entry}) })
}

// TestCommandTypesLeaveTheIgnoreFlagFree: no command type uses the flag's bit.
func TestCommandTypesLeaveTheIgnoreFlagFree(t *testing.T) {
	for typ := range newFSM().handlers {
		require.Zero(t, typ&IgnoreUnknownTypeFlag, "command type %d", typ)
	}
}
