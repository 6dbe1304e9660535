package blob

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/checksum"
)

// uploadParts uploads parts with the given bodies, numbered from 1, and returns the
// list to complete with.
func uploadParts(t *testing.T, s *Store, up Upload, bodies ...[]byte) []CompletePart {
	t.Helper()
	var out []CompletePart
	for i, b := range bodies {
		pi, err := s.UploadPart(context.Background(), UploadPartInput{
			Bucket: up.Bucket, Key: up.Key, UploadID: up.UploadID, PartNumber: i + 1, Body: bytes.NewReader(b),
		})
		require.NoError(t, err)
		require.Equal(t, md5hex(b), pi.ETag)
		require.EqualValues(t, len(b), pi.Size)
		out = append(out, CompletePart{PartNumber: i + 1, ETag: `"` + pi.ETag + `"`})
	}
	return out
}

func expectedETag(bodies ...[]byte) string {
	h := md5.New()
	for _, b := range bodies {
		s := md5.Sum(b)
		h.Write(s[:])
	}
	return fmt.Sprintf("%s-%d", hex.EncodeToString(h.Sum(nil)), len(bodies))
}

func TestMultipartComplete(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	up, err := s.CreateUpload(ctx, CreateUploadInput{
		Bucket: "b", Key: "big", Headers: Headers{ContentType: "video/mp4"}, UserMeta: map[string]string{"k": "v"},
	})
	require.NoError(t, err)
	require.Len(t, up.UploadID, 32)
	require.NotContains(t, up.UploadID, "/")
	require.NotContains(t, up.UploadID, "+")

	p1 := randBytes(2*testBlock+5, 1) // not block aligned: parts keep their own blocks
	p2 := randBytes(3*testBlock, 2)
	p3 := []byte("the short last part")
	list := uploadParts(t, s, up, p1, p2, p3)
	blocksBefore := blockCount(t, s)

	info, err := s.CompleteUpload(ctx, "b", "big", up.UploadID, list)
	require.NoError(t, err)
	require.Equal(t, expectedETag(p1, p2, p3), info.ETag)
	require.EqualValues(t, len(p1)+len(p2)+len(p3), info.Size)
	require.Equal(t, blocksBefore, blockCount(t, s), "completion copies no data")
	require.Len(t, info.Parts, 3)
	require.EqualValues(t, len(p2), info.Parts[1].Size)
	require.Equal(t, md5hex(p3), info.Parts[2].ETag)

	whole := append(append(append([]byte{}, p1...), p2...), p3...)
	require.Equal(t, whole, get(t, s, "b", "big"))
	require.Equal(t, whole[len(p1)-3:len(p1)+10], readRange(t, s, "b", "big", int64(len(p1)-3), 13), "a range across parts")
	o, err := s.OpenObject(ctx, "b", "big")
	require.NoError(t, err)
	require.Equal(t, info.Parts, o.Info.Parts)
	require.Equal(t, "video/mp4", o.Info.Headers.ContentType)
	require.Equal(t, map[string]string{"k": "v"}, o.Info.UserMeta)

	_, err = s.GetUpload(ctx, "b", "big", up.UploadID)
	require.ErrorIs(t, err, ErrNoSuchUpload, "a completed upload is gone")
	st, err := s.idx.Stats(ctx)
	require.NoError(t, err)
	require.Zero(t, st.Parts)
	_, err = s.CompleteUpload(ctx, "b", "big", up.UploadID, list)
	require.ErrorIs(t, err, ErrNoSuchUpload)
}

func TestMultipartSinglePartAndReplace(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	up, err := s.CreateUpload(ctx, CreateUploadInput{Bucket: "b", Key: "k"})
	require.NoError(t, err)
	uploadParts(t, s, up, []byte("first try"))
	list := uploadParts(t, s, up, []byte("second try"))
	info, err := s.CompleteUpload(ctx, "b", "k", up.UploadID, list)
	require.NoError(t, err)
	require.Equal(t, expectedETag([]byte("second try")), info.ETag)
	require.Equal(t, []byte("second try"), get(t, s, "b", "k"), "re-uploading a part replaces it")
}

func TestMultipartErrors(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	big := randBytes(int(s.cfg.MinPartSize), 1)
	small := []byte("small")
	newUpload := func() (Upload, []CompletePart) {
		up, err := s.CreateUpload(ctx, CreateUploadInput{Bucket: "b", Key: "k"})
		require.NoError(t, err)
		return up, uploadParts(t, s, up, big, small, big)
	}
	up, list := newUpload()
	complete := func(parts ...CompletePart) error {
		_, err := s.CompleteUpload(ctx, "b", "k", up.UploadID, parts)
		return err
	}

	require.ErrorIs(t, complete(), ErrInvalidPart, "no parts")
	require.ErrorIs(t, complete(list[1], list[0]), ErrInvalidPartOrder)
	require.ErrorIs(t, complete(list[0], list[0]), ErrInvalidPartOrder, "duplicates")
	require.ErrorIs(t, complete(list[0], CompletePart{PartNumber: 9, ETag: list[0].ETag}), ErrInvalidPart, "never uploaded")
	require.ErrorIs(t, complete(CompletePart{PartNumber: 1, ETag: md5hex(small)}), ErrInvalidPart, "wrong ETag")
	require.ErrorIs(t, complete(list[0], list[1], list[2]), ErrEntityTooSmall, "a small part before the last")
	require.ErrorIs(t, complete(CompletePart{PartNumber: 1, ETag: list[0].ETag,
		Checksum: checksum.Checksum{Algorithm: checksum.CRC32, Value: "AAAAAA=="}}), ErrInvalidPart, "checksum mismatch")
	_, err := s.CompleteUpload(ctx, "b", "other", up.UploadID, list)
	require.ErrorIs(t, err, ErrNoSuchUpload, "the id belongs to another key")
	_, err = s.CompleteUpload(ctx, "b", "k", "nope", list)
	require.ErrorIs(t, err, ErrNoSuchUpload)

	// The failures changed nothing: a valid list completes, without its quotes too.
	info, err := s.CompleteUpload(ctx, "b", "k", up.UploadID, []CompletePart{
		{PartNumber: 1, ETag: strings.Trim(list[0].ETag, `"`)}, list[2],
	})
	require.NoError(t, err)
	require.Equal(t, expectedETag(big, big), info.ETag)
	require.Equal(t, append(append([]byte{}, big...), big...), get(t, s, "b", "k"), "an unlisted part is left out")

	_, err = s.UploadPart(ctx, UploadPartInput{Bucket: "b", Key: "k", UploadID: up.UploadID, PartNumber: 1, Body: bytes.NewReader(nil)})
	require.ErrorIs(t, err, ErrNoSuchUpload)
	up2, _ := newUpload()
	for _, n := range []int{0, 10001} {
		_, err = s.UploadPart(ctx, UploadPartInput{Bucket: "b", Key: "k", UploadID: up2.UploadID, PartNumber: n, Body: bytes.NewReader(nil)})
		require.ErrorIs(t, err, ErrInvalidArgument)
	}
	_, err = s.UploadPart(ctx, UploadPartInput{
		Bucket: "b", Key: "k", UploadID: up2.UploadID, PartNumber: 2, Body: bytes.NewReader(big),
		Seal: func([]byte, int64) (checksum.Checksum, error) { return checksum.Checksum{}, &sealError{"BadDigest"} },
	})
	var se *sealError
	require.ErrorAs(t, err, &se)
	parts, err := s.ListParts(ctx, "b", "k", up2.UploadID, 0, 0)
	require.NoError(t, err)
	require.EqualValues(t, len(small), parts.Parts[1].Size, "a failed re-upload leaves the part as it was")
}

func TestMultipartChecksums(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	bodies := [][]byte{randBytes(int(s.cfg.MinPartSize), 1), randBytes(100, 2)}
	for _, typ := range []checksum.Type{checksum.Composite, checksum.FullObject} {
		key := "k-" + string(typ)
		up, err := s.CreateUpload(ctx, CreateUploadInput{Bucket: "b", Key: key, ChecksumAlgorithm: checksum.CRC32, ChecksumType: typ})
		require.NoError(t, err)
		require.Equal(t, typ, up.ChecksumType)
		var list []CompletePart
		var values []string
		for i, body := range bodies {
			sum := checksum.Checksum{Algorithm: checksum.CRC32, Value: checksum.CRC32.Sum(body)}
			pi, err := s.UploadPart(ctx, UploadPartInput{
				Bucket: "b", Key: key, UploadID: up.UploadID, PartNumber: i + 1, Body: bytes.NewReader(body),
				Seal: func([]byte, int64) (checksum.Checksum, error) { return sum, nil },
			})
			require.NoError(t, err)
			require.Equal(t, sum, pi.Checksum)
			values = append(values, sum.Value)
			list = append(list, CompletePart{PartNumber: i + 1, ETag: pi.ETag, Checksum: sum})
		}
		info, err := s.CompleteUpload(ctx, "b", key, up.UploadID, list)
		require.NoError(t, err)
		require.Equal(t, typ, info.Checksum.Type)
		if typ == checksum.FullObject {
			require.Equal(t, checksum.CRC32.Sum(append(append([]byte{}, bodies[0]...), bodies[1]...)), info.Checksum.Value)
		} else {
			want, err := checksum.CompositeOf(checksum.CRC32, values)
			require.NoError(t, err)
			require.Equal(t, want, info.Checksum)
			require.True(t, strings.HasSuffix(info.Checksum.Value, "-2"))
		}
		require.Equal(t, info.Parts[0].Checksum.Value, values[0])
	}

	// An upload with an algorithm needs every part's checksum.
	up, err := s.CreateUpload(ctx, CreateUploadInput{Bucket: "b", Key: "nosum", ChecksumAlgorithm: checksum.SHA256})
	require.NoError(t, err)
	require.Equal(t, checksum.Composite, up.ChecksumType, "COMPOSITE by default")
	list := uploadParts(t, s, up, []byte("x"))
	_, err = s.CompleteUpload(ctx, "b", "nosum", up.UploadID, list)
	require.ErrorIs(t, err, ErrInvalidPart)
}

func TestAbortUpload(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	up, err := s.CreateUpload(ctx, CreateUploadInput{Bucket: "b", Key: "k"})
	require.NoError(t, err)
	uploadParts(t, s, up, randBytes(3*testBlock, 1))
	require.NoError(t, s.AbortUpload(ctx, "b", "k", up.UploadID))
	require.ErrorIs(t, s.AbortUpload(ctx, "b", "k", up.UploadID), ErrNoSuchUpload)
	_, err = s.GetUpload(ctx, "b", "k", up.UploadID)
	require.ErrorIs(t, err, ErrNoSuchUpload)
	_, err = s.ListParts(ctx, "b", "k", up.UploadID, 0, 0)
	require.ErrorIs(t, err, ErrNoSuchUpload)
	st, err := s.idx.Stats(ctx)
	require.NoError(t, err)
	require.Zero(t, st.Parts)
	require.Zero(t, st.Uploads)
}

func TestListParts(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	up, err := s.CreateUpload(ctx, CreateUploadInput{Bucket: "b", Key: "k", UserMeta: map[string]string{"a": "b"}})
	require.NoError(t, err)
	var bodies [][]byte
	for i := range 12 {
		bodies = append(bodies, []byte(fmt.Sprintf("part %d", i+1)))
	}
	uploadParts(t, s, up, bodies...)

	got, err := s.GetUpload(ctx, "b", "k", up.UploadID)
	require.NoError(t, err)
	require.Equal(t, up, got)

	var numbers []int
	after := 0
	for {
		res, err := s.ListParts(ctx, "b", "k", up.UploadID, after, 5)
		require.NoError(t, err)
		require.Equal(t, up.UploadID, res.Upload.UploadID)
		for _, p := range res.Parts {
			numbers = append(numbers, p.PartNumber)
			require.Equal(t, md5hex(bodies[p.PartNumber-1]), p.ETag)
		}
		if !res.IsTruncated {
			break
		}
		require.Len(t, res.Parts, 5)
		after = res.NextPartNumberMarker
	}
	require.Equal(t, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, numbers)
}

func TestListUploads(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	create := func(key string) Upload {
		up, err := s.CreateUpload(ctx, CreateUploadInput{Bucket: "b", Key: key})
		require.NoError(t, err)
		return up
	}
	a1 := create("a")
	a2 := create("a")
	a3 := create("a")
	create("dir/x")
	create("dir/y")
	create("dir/sub/z")
	c := create("c")
	_, err := s.CreateUpload(ctx, CreateUploadInput{Bucket: "other", Key: "a"})
	require.NoError(t, err)

	ids := func(res ListUploadsResult) []string {
		var out []string
		for _, u := range res.Uploads {
			out = append(out, u.Key+"#"+u.UploadID)
		}
		return out
	}
	res, err := s.ListUploads(ctx, ListUploadsInput{Bucket: "b"})
	require.NoError(t, err)
	require.Len(t, res.Uploads, 7)
	require.Equal(t, []string{"a#" + a1.UploadID, "a#" + a2.UploadID, "a#" + a3.UploadID}, ids(res)[:3], "by key, then initiation")
	require.False(t, res.IsTruncated)

	res, err = s.ListUploads(ctx, ListUploadsInput{Bucket: "b", Delimiter: "/"})
	require.NoError(t, err)
	require.Equal(t, []string{"dir/"}, res.CommonPrefixes)
	require.Equal(t, []string{"a#" + a1.UploadID, "a#" + a2.UploadID, "a#" + a3.UploadID, "c#" + c.UploadID}, ids(res))

	res, err = s.ListUploads(ctx, ListUploadsInput{Bucket: "b", Prefix: "dir/", Delimiter: "/"})
	require.NoError(t, err)
	require.Equal(t, []string{"dir/sub/"}, res.CommonPrefixes)
	require.Len(t, res.Uploads, 2)

	// Paging by two, with both markers.
	var all []string
	in := ListUploadsInput{Bucket: "b", Limit: 2}
	for {
		res, err := s.ListUploads(ctx, in)
		require.NoError(t, err)
		all = append(all, ids(res)...)
		if !res.IsTruncated {
			break
		}
		require.Len(t, res.Uploads, 2)
		in.KeyMarker, in.UploadIDMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
	require.Len(t, all, 7)
	require.Equal(t, "a#"+a3.UploadID, all[2], "the upload-id marker resumes within a key")

	// A key marker alone skips all of that key's uploads.
	res, err = s.ListUploads(ctx, ListUploadsInput{Bucket: "b", KeyMarker: "a"})
	require.NoError(t, err)
	require.Equal(t, "c", res.Uploads[0].Key)
	// A common prefix as key marker skips everything under it.
	res, err = s.ListUploads(ctx, ListUploadsInput{Bucket: "b", KeyMarker: "dir/", Delimiter: "/", Limit: 10})
	require.NoError(t, err)
	require.Empty(t, res.Uploads)
	require.Empty(t, res.CommonPrefixes)
}
