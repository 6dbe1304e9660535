package s3api

import (
	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// checksumFields returns, for each algorithm, its element in x: the one table from
// algorithm to XML element.
func checksumFields(x *s3xml.Checksums) map[checksum.Algorithm]*string {
	return map[checksum.Algorithm]*string{
		checksum.CRC32:     &x.ChecksumCRC32,
		checksum.CRC32C:    &x.ChecksumCRC32C,
		checksum.CRC64NVME: &x.ChecksumCRC64NVME,
		checksum.SHA1:      &x.ChecksumSHA1,
		checksum.SHA256:    &x.ChecksumSHA256,
		checksum.SHA512:    &x.ChecksumSHA512,
		checksum.MD5:       &x.ChecksumMD5,
		checksum.XXHASH64:  &x.ChecksumXXHASH64,
		checksum.XXHASH3:   &x.ChecksumXXHASH3,
		checksum.XXHASH128: &x.ChecksumXXHASH128,
	}
}

// xmlChecksums renders a stored checksum as the checksum elements of a response.
func xmlChecksums(sum checksum.Checksum) s3xml.Checksums {
	var out s3xml.Checksums
	field, ok := checksumFields(&out)[sum.Algorithm]
	if !ok {
		return out
	}
	*field = sum.Value
	out.ChecksumType = string(sum.Type)
	return out
}

// partChecksum reads the checksum a client lists for a part in CompleteMultipartUpload.
func partChecksum(x s3xml.Checksums) checksum.Checksum {
	fields := checksumFields(&x)
	for _, alg := range checksum.Algorithms() {
		if v := *fields[alg]; v != "" {
			return checksum.Checksum{Algorithm: alg, Value: v}
		}
	}
	return checksum.Checksum{}
}
