"""boto3, with its default configuration, against a running Cairn node.

Run by tests/clients/run.sh, which starts the node and sets CAIRN_S3_ENDPOINT,
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_DEFAULT_REGION. Every check runs even
if an earlier one failed; the last line is "N passed, M failed" and the exit status is
non-zero if any failed. Content is compared by SHA-256.
"""

import base64
import concurrent.futures
import hashlib
import os
import secrets
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
import uuid

import boto3
import botocore.config
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

ENDPOINT = os.environ["CAIRN_S3_ENDPOINT"]
REGION = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")

# The default client: no signature, checksum or addressing settings of our own.
s3 = boto3.client("s3", endpoint_url=ENDPOINT, region_name=REGION)

BUCKET = "boto3-" + secrets.token_hex(4)
TMP = tempfile.mkdtemp(prefix="cairn-boto3-")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def error_code(fn, *args, **kwargs):
    """Calls fn and returns the S3 error code of the ClientError it raises."""
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError("%s succeeded; an error was expected" % fn.__name__)


def fetch(url, data=None, headers=None):
    """Returns (status, body) of an HTTP request made with urllib, errors included."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


# Behind a load balancer (tests/compose sets CAIRN_CLIENTS_EVENTUAL_BUCKETS=1) the
# bucket list and a deleted bucket's HEAD are eventually consistent across nodes, as
# AWS documents for its own bucket operations: those two checks then wait up to 10 s.
EVENTUAL_BUCKETS = os.environ.get("CAIRN_CLIENTS_EVENTUAL_BUCKETS") == "1"


def eventually(check):
    """Returns check(), retried for up to 10 s when bucket changes are eventual."""
    deadline = time.monotonic() + (10 if EVENTUAL_BUCKETS else 0)
    while True:
        ok = check()
        if ok or time.monotonic() >= deadline:
            return ok
        time.sleep(0.2)


def get_body(key, **kwargs):
    return s3.get_object(Bucket=BUCKET, Key=key, **kwargs)["Body"].read()


# ---- the checks, in order --------------------------------------------------------


def test_create_bucket():
    s3.create_bucket(Bucket=BUCKET)
    s3.head_bucket(Bucket=BUCKET)
    assert eventually(lambda: BUCKET in [b["Name"] for b in s3.list_buckets()["Buckets"]]), BUCKET


def test_put_small_with_metadata():
    body = b"hello, cairn\n" * 10
    s3.put_object(
        Bucket=BUCKET,
        Key="small/hello.txt",
        Body=body,
        ContentType="text/plain; charset=utf-8",
        Metadata={"colour": "blue", "answer": "42"},
    )
    head = s3.head_object(Bucket=BUCKET, Key="small/hello.txt")
    assert head["ContentLength"] == len(body), head
    assert head["ContentType"] == "text/plain; charset=utf-8", head["ContentType"]
    assert head["ETag"] == '"%s"' % hashlib.md5(body).hexdigest(), head["ETag"]
    got = s3.get_object(Bucket=BUCKET, Key="small/hello.txt")
    assert got["ContentType"] == "text/plain; charset=utf-8", got["ContentType"]
    assert sha256(got["Body"].read()) == sha256(body)
    # S3 returns user metadata as it was sent: lower-case x-amz-meta-* names.
    assert head["Metadata"] == {"colour": "blue", "answer": "42"}, "HEAD metadata %s" % head["Metadata"]
    assert got["Metadata"] == {"colour": "blue", "answer": "42"}, "GET metadata %s" % got["Metadata"]


BIG_SIZE = 20 << 20
BIG_PATH = os.path.join(TMP, "big.bin")


def test_upload_file_multipart():
    with open(BIG_PATH, "wb") as f:
        f.write(os.urandom(BIG_SIZE))
    # The default TransferConfig: multipart above 8 MiB, in 8 MiB parts.
    s3.upload_file(BIG_PATH, BUCKET, "big.bin", Config=TransferConfig())
    head = s3.head_object(Bucket=BUCKET, Key="big.bin")
    assert head["ContentLength"] == BIG_SIZE, head
    assert head["ETag"].strip('"').endswith("-3"), "not a 3-part upload: %s" % head["ETag"]


def test_download_file():
    out = os.path.join(TMP, "big.down")
    s3.download_file(BUCKET, "big.bin", out)
    assert file_sha256(out) == file_sha256(BIG_PATH)


def test_get_range():
    with open(BIG_PATH, "rb") as f:
        want = f.read()
    got = s3.get_object(Bucket=BUCKET, Key="big.bin", Range="bytes=100-1099")
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206, got["ResponseMetadata"]
    assert got["ContentRange"] == "bytes 100-1099/%d" % BIG_SIZE, got["ContentRange"]
    body = got["Body"].read()
    assert len(body) == 1000 and sha256(body) == sha256(want[100:1100])
    # A range across a block boundary (1 MiB blocks) and a suffix range.
    body = get_body("big.bin", Range="bytes=%d-%d" % ((1 << 20) - 10, (1 << 20) + 9))
    assert sha256(body) == sha256(want[(1 << 20) - 10 : (1 << 20) + 10])
    body = get_body("big.bin", Range="bytes=-500")
    assert sha256(body) == sha256(want[-500:])


def test_copy_object():
    s3.copy_object(
        Bucket=BUCKET, Key="copies/hello.txt", CopySource={"Bucket": BUCKET, "Key": "small/hello.txt"}
    )
    assert sha256(get_body("copies/hello.txt")) == sha256(get_body("small/hello.txt"))
    s3.copy_object(Bucket=BUCKET, Key="copies/big.bin", CopySource={"Bucket": BUCKET, "Key": "big.bin"})
    assert sha256(get_body("copies/big.bin")) == file_sha256(BIG_PATH)
    head = s3.head_object(Bucket=BUCKET, Key="copies/hello.txt")
    assert head["ContentType"] == "text/plain; charset=utf-8", head["ContentType"]
    # The default metadata directive is COPY.
    assert head["Metadata"] == {"colour": "blue", "answer": "42"}, "HEAD metadata %s" % head["Metadata"]


def test_signature_v2():
    """Signature Version 2 (botocore's "s3" signer): bucket requests (botocore signs
    "/bucket/"), CopyObject with x-amz-copy-source-* headers (signed sorted by name)
    and a multipart copy (UploadPartCopy with x-amz-copy-source-range)."""
    v2 = boto3.client(
        "s3", endpoint_url=ENDPOINT, region_name=REGION, config=botocore.config.Config(signature_version="s3")
    )
    v2.head_bucket(Bucket=BUCKET)
    v2.get_bucket_location(Bucket=BUCKET)
    v2.list_objects_v2(Bucket=BUCKET, Prefix="small/")
    etag = v2.head_object(Bucket=BUCKET, Key="small/hello.txt")["ETag"]
    v2.copy_object(
        Bucket=BUCKET,
        Key="copies/v2.txt",
        CopySource={"Bucket": BUCKET, "Key": "small/hello.txt"},
        CopySourceIfMatch=etag,
    )
    assert sha256(get_body("copies/v2.txt")) == sha256(get_body("small/hello.txt"))
    v2.copy(
        {"Bucket": BUCKET, "Key": "big.bin"},
        BUCKET,
        "copies/v2-big.bin",
        Config=TransferConfig(multipart_threshold=8 << 20, multipart_chunksize=8 << 20),
    )
    assert sha256(get_body("copies/v2-big.bin")) == file_sha256(BIG_PATH)
    v2.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "copies/v2.txt"}, {"Key": "copies/v2-big.bin"}]})


LIST_KEYS = 1100


def test_list_paginator():
    keys = ["many/%05d-%s" % (i, uuid.UUID(int=i * 7919).hex[:6]) for i in range(LIST_KEYS)]
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=BUCKET, Key=k, Body=k.encode()), keys))
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="many/"))
    got = [o["Key"] for p in pages for o in p.get("Contents", [])]
    assert len(pages) == 2, "%d pages for %d keys" % (len(pages), LIST_KEYS)
    assert len(got) == LIST_KEYS, len(got)
    assert got == sorted(keys), "keys out of order or wrong"
    assert pages[0]["IsTruncated"] and not pages[1]["IsTruncated"]
    assert pages[0]["KeyCount"] == 1000, pages[0]["KeyCount"]


# The checksum algorithms botocore computes without the CRT.
BOTO_CHECKSUMS = ["CRC32", "SHA1", "SHA256", "SHA512"]


def test_checksum_algorithms():
    data = secrets.token_bytes(300000)
    for alg in BOTO_CHECKSUMS:
        key = "sums/" + alg
        put = s3.put_object(Bucket=BUCKET, Key=key, Body=data, ChecksumAlgorithm=alg)
        member = "Checksum" + alg
        assert put.get(member), "PUT %s: no %s in %s" % (alg, member, put)
        head = s3.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
        assert head.get(member) == put[member], (alg, head.get(member), put[member])
        # botocore validates the returned checksum against the body it reads.
        got = s3.get_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
        assert sha256(got["Body"].read()) == sha256(data)
        assert got.get(member) == put[member]


def test_multipart_sha512():
    key = "sums/multipart-sha512"
    part = 5 << 20
    data = secrets.token_bytes(2 * part + 999)
    up = s3.create_multipart_upload(Bucket=BUCKET, Key=key, ChecksumAlgorithm="SHA512")
    parts, raw = [], b""
    for i, off in enumerate(range(0, len(data), part)):
        chunk = data[off : off + part]
        resp = s3.upload_part(
            Bucket=BUCKET, Key=key, UploadId=up["UploadId"], PartNumber=i + 1, Body=chunk, ChecksumAlgorithm="SHA512"
        )
        digest = hashlib.sha512(chunk).digest()
        assert resp["ChecksumSHA512"] == base64.b64encode(digest).decode()
        raw += digest
        parts.append({"PartNumber": i + 1, "ETag": resp["ETag"], "ChecksumSHA512": resp["ChecksumSHA512"]})
    listed = s3.list_parts(Bucket=BUCKET, Key=key, UploadId=up["UploadId"])
    assert [p["ChecksumSHA512"] for p in listed["Parts"]] == [p["ChecksumSHA512"] for p in parts]
    done = s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=up["UploadId"], MultipartUpload={"Parts": parts})
    want = base64.b64encode(hashlib.sha512(raw).digest()).decode() + "-3"
    assert done["ChecksumSHA512"] == want, (done["ChecksumSHA512"], want)
    head = s3.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    assert head["ChecksumSHA512"] == want and head["ChecksumType"] == "COMPOSITE", head


def test_list_spaces_in_prefixes():
    # boto3 asks for encoding-type=url by default and decodes what it gets back.
    keys = ["spaced dir/a b+c", "spaced dir/sub dir/x", "plus+dir/y"]
    for k in keys:
        s3.put_object(Bucket=BUCKET, Key=k, Body=b"x")
    out = s3.list_objects_v2(Bucket=BUCKET, Prefix="spaced dir/", Delimiter="/")
    assert [o["Key"] for o in out.get("Contents", [])] == ["spaced dir/a b+c"], out.get("Contents")
    assert [p["Prefix"] for p in out.get("CommonPrefixes", [])] == ["spaced dir/sub dir/"], out.get("CommonPrefixes")
    out = s3.list_objects(Bucket=BUCKET, Delimiter="/")
    prefixes = [p["Prefix"] for p in out.get("CommonPrefixes", [])]
    assert "spaced dir/" in prefixes and "plus+dir/" in prefixes, prefixes


def test_delete_objects():
    keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="many/")
            for o in p.get("Contents", [])]
    assert len(keys) == LIST_KEYS, len(keys)
    for i in range(0, len(keys), 1000):
        batch = keys[i : i + 1000]
        resp = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": k} for k in batch]})
        assert not resp.get("Errors"), resp.get("Errors")
        assert sorted(d["Key"] for d in resp["Deleted"]) == sorted(batch)
    left = s3.list_objects_v2(Bucket=BUCKET, Prefix="many/")
    assert left["KeyCount"] == 0 and not left.get("Contents"), left
    # Quiet mode reports nothing, and deleting a missing key is not an error.
    resp = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "many/none"}], "Quiet": True})
    assert not resp.get("Errors") and not resp.get("Deleted"), resp


def check_presigned_url(client):
    url = client.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "big.bin"}, ExpiresIn=300)
    status, body = fetch(url)
    assert status == 200, "GET %s…: %d %s" % (url.split("?")[0], status, body[:500])
    assert sha256(body) == file_sha256(BIG_PATH)


def test_presigned_url():
    # The default signer: botocore presigns S3 in us-east-1 with Signature Version 2.
    check_presigned_url(s3)


def test_presigned_url_sigv4():
    v4 = boto3.client(
        "s3", endpoint_url=ENDPOINT, region_name=REGION, config=botocore.config.Config(signature_version="s3v4")
    )
    check_presigned_url(v4)


def multipart_form(fields, file_name, content):
    """Encodes a multipart/form-data body by hand: the fields, then the file last."""
    boundary = "----cairn" + secrets.token_hex(12)
    parts = []
    for name, value in fields.items():
        parts.append(
            ('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, name, value)).encode()
        )
    parts.append(
        (
            '--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n" % (boundary, file_name)
        ).encode()
        + content
        + b"\r\n"
    )
    parts.append(("--%s--\r\n" % boundary).encode())
    return b"".join(parts), "multipart/form-data; boundary=" + boundary


def check_presigned_post(client, key):
    content = os.urandom(70_000)
    post = client.generate_presigned_post(BUCKET, key, ExpiresIn=300)
    body, ctype = multipart_form(post["fields"], "upload.bin", content)
    status, resp = fetch(post["url"], data=body, headers={"Content-Type": ctype})
    assert status == 204, "POST %s: %d %s" % (post["url"], status, resp[:500])
    assert sha256(get_body(key)) == sha256(content)


def test_presigned_post():
    # The default signer: botocore signs S3 POST policies in us-east-1 with Signature Version 2.
    check_presigned_post(s3, "posted/default.bin")


def test_presigned_post_sigv4():
    v4 = boto3.client(
        "s3", endpoint_url=ENDPOINT, region_name=REGION, config=botocore.config.Config(signature_version="s3v4")
    )
    check_presigned_post(v4, "posted/sigv4.bin")


def test_error_no_such_key():
    assert error_code(s3.get_object, Bucket=BUCKET, Key="no/such/key") == "NoSuchKey"


def test_error_no_such_bucket():
    missing = "missing-" + secrets.token_hex(4)
    assert error_code(s3.list_objects_v2, Bucket=missing) == "NoSuchBucket"
    assert error_code(s3.get_object, Bucket=missing, Key="k") == "NoSuchBucket"
    assert error_code(s3.put_object, Bucket=missing, Key="k", Body=b"x") == "NoSuchBucket"


def test_error_bucket_not_empty():
    assert error_code(s3.delete_bucket, Bucket=BUCKET) == "BucketNotEmpty"
    s3.head_bucket(Bucket=BUCKET)  # still there


def test_delete_bucket():
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        objs = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if objs:
            resp = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": objs})
            assert not resp.get("Errors"), resp.get("Errors")
    s3.delete_bucket(Bucket=BUCKET)
    def gone():
        try:
            s3.head_bucket(Bucket=BUCKET)
            return False
        except ClientError as e:
            return e.response["Error"]["Code"] == "404"

    assert eventually(gone), "head_bucket after delete_bucket did not answer 404"
    assert eventually(lambda: BUCKET not in [b["Name"] for b in s3.list_buckets()["Buckets"]])


def test_versioning_flow():
    """Versions, delete markers, version listing and the clean-up every suite does."""
    b = "boto3-versions-" + secrets.token_hex(4)
    s3.create_bucket(Bucket=b)
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Enabled"
    ids = [s3.put_object(Bucket=b, Key="k", Body=b"v%d" % i)["VersionId"] for i in range(3)]
    assert len(set(ids)) == 3 and "null" not in ids
    assert s3.get_object(Bucket=b, Key="k", VersionId=ids[0])["Body"].read() == b"v0"
    marker = s3.delete_object(Bucket=b, Key="k")
    assert marker["DeleteMarker"] and marker["VersionId"]
    assert error_code(s3.get_object, Bucket=b, Key="k") == "NoSuchKey"
    assert error_code(s3.head_object, Bucket=b, Key="k", VersionId=marker["VersionId"]) == "405"
    try:
        s3.get_object(Bucket=b, Key="k", VersionId=marker["VersionId"])
        raise AssertionError("GET of a delete marker by id succeeded")
    except ClientError as e:
        h = e.response["ResponseMetadata"]["HTTPHeaders"]
        assert e.response["Error"]["Code"] == "MethodNotAllowed"
        assert h.get("x-amz-delete-marker") == "true" and h.get("allow") == "DELETE" and h.get("last-modified"), h
    assert error_code(s3.get_object, Bucket=b, Key="k", VersionId="not-a-version-id") == "InvalidArgument"
    listed = s3.list_object_versions(Bucket=b)
    assert [v["VersionId"] for v in listed["Versions"]] == ids[::-1]
    assert listed["DeleteMarkers"][0]["IsLatest"]
    gone = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "k", "VersionId": marker["VersionId"]}]})["Deleted"][0]
    assert gone["DeleteMarker"] and gone["DeleteMarkerVersionId"] == marker["VersionId"], gone
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"v2"
    copied = s3.copy_object(Bucket=b, Key="k", CopySource={"Bucket": b, "Key": "k", "VersionId": ids[0]})
    assert copied["CopySourceVersionId"] == ids[0]
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"v0"
    assert error_code(s3.delete_bucket, Bucket=b) == "BucketNotEmpty"
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
    # The null version a write makes in a suspended bucket: no version id in the answer
    # (as S3; ceph's s3-tests check it), "null" when it is read.
    assert "VersionId" not in s3.put_object(Bucket=b, Key="k", Body=b"null")
    assert s3.head_object(Bucket=b, Key="k")["VersionId"] == "null"
    # The clean-up of every S3 test suite: delete each version and marker by id.
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=b, PaginationConfig={"PageSize": 2}):
        objs = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        if objs:
            resp = s3.delete_objects(Bucket=b, Delete={"Objects": objs})
            assert not resp.get("Errors"), resp.get("Errors")
    s3.delete_bucket(Bucket=b)


def test_object_tagging_flow():
    s3.put_object(Bucket=BUCKET, Key="tagged", Body=b"t", Tagging="team=search&cost=")
    head = s3.head_object(Bucket=BUCKET, Key="tagged")
    got = s3.get_object(Bucket=BUCKET, Key="tagged")
    assert got["TagCount"] == 2, got.get("TagCount")
    tags = s3.get_object_tagging(Bucket=BUCKET, Key="tagged")["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("cost", ""), ("team", "search")]
    s3.put_object_tagging(Bucket=BUCKET, Key="tagged", Tagging={"TagSet": [{"Key": "a", "Value": "1"}]})
    assert s3.get_object_tagging(Bucket=BUCKET, Key="tagged")["TagSet"] == [{"Key": "a", "Value": "1"}]
    too_many = {"TagSet": [{"Key": "k%d" % i, "Value": "v"} for i in range(11)]}
    assert error_code(s3.put_object_tagging, Bucket=BUCKET, Key="tagged", Tagging=too_many) == "InvalidTag"
    s3.delete_object_tagging(Bucket=BUCKET, Key="tagged")
    assert s3.get_object_tagging(Bucket=BUCKET, Key="tagged")["TagSet"] == []
    assert head["ETag"] == s3.head_object(Bucket=BUCKET, Key="tagged")["ETag"]


# Set by run.sh when it starts the server with a shortened lifecycle day: the rules
# then act within seconds, and the flow waits for them.
LIFECYCLE_DAY = float(os.environ.get("CAIRN_LIFECYCLE_DAY_SECONDS", "0"))


def wait_for(check, seconds):
    """Returns check(), retried every 0.2 s for up to seconds."""
    deadline = time.monotonic() + seconds
    while True:
        ok = check()
        if ok or time.monotonic() >= deadline:
            return ok
        time.sleep(0.2)


def test_lifecycle_flow():
    """Lifecycle configuration, its errors, x-amz-expiration, and (with a short
    lifecycle day) the engine acting on a versioned bucket."""
    b = "boto3-lifecycle-" + secrets.token_hex(4)
    s3.create_bucket(Bucket=b)
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    assert error_code(s3.get_bucket_lifecycle_configuration, Bucket=b) == "NoSuchLifecycleConfiguration"
    rules = [
        {"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": "exp/"}, "Expiration": {"Days": 1}},
        {"ID": "noncurrent", "Status": "Enabled", "Filter": {"And": {"Prefix": "nc/", "Tags": [{"Key": "t", "Value": "1"}]}},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 1}},
        {"ID": "uploads", "Status": "Enabled", "Filter": {"Prefix": "up/"},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
    ]
    bad = [{"ID": "zero", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 0}}]
    assert error_code(s3.put_bucket_lifecycle_configuration, Bucket=b, LifecycleConfiguration={"Rules": bad}) == "InvalidArgument"
    cold = [{"ID": "cold", "Status": "Enabled", "Filter": {}, "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}]}]
    assert error_code(s3.put_bucket_lifecycle_configuration, Bucket=b, LifecycleConfiguration={"Rules": cold}) == "NotImplemented"
    s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": rules})
    got = s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"]
    assert [r["ID"] for r in got] == ["expire", "noncurrent", "uploads"], got
    assert got[1]["Filter"]["And"]["Tags"] == [{"Key": "t", "Value": "1"}]
    assert got[1]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 1
    puts = []

    def put_expiring():
        # Behind a load balancer the node that takes the PUT may not know the rules yet.
        puts.append(s3.put_object(Bucket=b, Key="exp/a", Body=b"a"))
        return 'rule-id="expire"' in puts[-1].get("Expiration", "")

    assert eventually(put_expiring), puts[-1].get("Expiration")
    assert eventually(lambda: s3.head_object(Bucket=b, Key="exp/a").get("Expiration") == puts[-1]["Expiration"])
    assert "Expiration" not in s3.put_object(Bucket=b, Key="other", Body=b"o")
    old = [s3.put_object(Bucket=b, Key="nc/a", Body=b"v%d" % i, Tagging="t=1")["VersionId"] for i in range(2)]
    up = s3.create_multipart_upload(Bucket=b, Key="up/a")["UploadId"]
    if LIFECYCLE_DAY:
        def acted():
            v = s3.list_object_versions(Bucket=b)
            markers = [m for m in v.get("DeleteMarkers", []) if m["Key"] == "exp/a"]
            nc = [x["VersionId"] for x in v.get("Versions", []) if x["Key"] == "nc/a"]
            uploads = s3.list_multipart_uploads(Bucket=b).get("Uploads", [])
            return len(markers) == 1 and markers[0]["IsLatest"] and nc == [old[1]] and not uploads
        assert wait_for(acted, 30 * LIFECYCLE_DAY + 10), s3.list_object_versions(Bucket=b)
        assert error_code(s3.get_object, Bucket=b, Key="exp/a") == "NoSuchKey"
    else:
        s3.abort_multipart_upload(Bucket=b, Key="up/a", UploadId=up)
    s3.delete_bucket_lifecycle(Bucket=b)
    assert eventually(lambda: error_code(s3.get_bucket_lifecycle_configuration, Bucket=b) == "NoSuchLifecycleConfiguration")
    v = s3.list_object_versions(Bucket=b)
    objs = [{"Key": x["Key"], "VersionId": x["VersionId"]} for x in v.get("Versions", []) + v.get("DeleteMarkers", [])]
    assert not s3.delete_objects(Bucket=b, Delete={"Objects": objs}).get("Errors")
    s3.delete_bucket(Bucket=b)


def test_object_lock_flow():
    """Object lock: a locked bucket, its default, retention and legal hold, each removal
    of a locked version refused, and the clean-up once the locks end."""
    import datetime

    b = "boto3-lock-" + secrets.token_hex(4)
    s3.create_bucket(Bucket=b, ObjectLockEnabledForBucket=True)
    assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Enabled"
    assert error_code(s3.put_bucket_versioning, Bucket=b, VersioningConfiguration={"Status": "Suspended"}) == "InvalidBucketState"
    s3.put_object_lock_configuration(Bucket=b, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
    conf = s3.get_object_lock_configuration(Bucket=b)["ObjectLockConfiguration"]
    assert conf["Rule"]["DefaultRetention"] == {"Mode": "GOVERNANCE", "Days": 1}, conf

    ids = []  # every version of "gov" written

    def put_default():
        # Behind a load balancer the node that takes the PUT may not know the default
        # yet (bucket settings are eventual there): a later version gets it.
        ids.append(s3.put_object(Bucket=b, Key="gov", Body=b"g")["VersionId"])
        return s3.head_object(Bucket=b, Key="gov", VersionId=ids[-1]).get("ObjectLockMode") == "GOVERNANCE"

    assert eventually(put_default), "the default retention was not applied"
    gov = ids[-1]
    # A COMPLIANCE retention short enough for the test to outlive it.
    until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5)
    comp = s3.put_object(Bucket=b, Key="comp", Body=b"c", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until,
                         ObjectLockLegalHoldStatus="ON")["VersionId"]
    ret = s3.get_object_retention(Bucket=b, Key="comp", VersionId=comp)["Retention"]
    assert ret["Mode"] == "COMPLIANCE" and abs((ret["RetainUntilDate"] - until).total_seconds()) < 1, ret
    assert s3.get_object_legal_hold(Bucket=b, Key="comp", VersionId=comp)["LegalHold"]["Status"] == "ON"

    for key, vid in (("gov", gov), ("comp", comp)):
        assert error_code(s3.delete_object, Bucket=b, Key=key, VersionId=vid) == "AccessDenied"
    assert error_code(s3.delete_object, Bucket=b, Key="comp", VersionId=comp, BypassGovernanceRetention=True) == "AccessDenied"
    assert error_code(s3.put_object_retention, Bucket=b, Key="comp", VersionId=comp, BypassGovernanceRetention=True,
                      Retention={"Mode": "GOVERNANCE", "RetainUntilDate": until}) == "AccessDenied"
    resp = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "gov", "VersionId": gov}, {"Key": "comp", "VersionId": comp}]})
    assert sorted(e["Code"] for e in resp.get("Errors", [])) == ["AccessDenied", "AccessDenied"], resp
    assert error_code(s3.delete_bucket, Bucket=b) == "BucketNotEmpty"
    marker = s3.delete_object(Bucket=b, Key="gov")
    assert marker["DeleteMarker"], marker

    # Root bypasses GOVERNANCE with the header; the legal hold comes off, and once the
    # COMPLIANCE date has passed the last version goes and the bucket with it.
    for vid in ids:
        s3.delete_object(Bucket=b, Key="gov", VersionId=vid, BypassGovernanceRetention=True)
    s3.put_object_legal_hold(Bucket=b, Key="comp", VersionId=comp, LegalHold={"Status": "OFF"})
    assert s3.get_object_legal_hold(Bucket=b, Key="comp", VersionId=comp)["LegalHold"]["Status"] == "OFF"
    time.sleep(max(0.0, (until - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) + 0.5)
    s3.delete_object(Bucket=b, Key="comp", VersionId=comp)
    s3.delete_object(Bucket=b, Key="gov", VersionId=marker["VersionId"])
    s3.delete_bucket(Bucket=b)


TESTS = [
    test_create_bucket,
    test_put_small_with_metadata,
    test_upload_file_multipart,
    test_download_file,
    test_get_range,
    test_copy_object,
    test_signature_v2,
    test_list_paginator,
    test_checksum_algorithms,
    test_multipart_sha512,
    test_list_spaces_in_prefixes,
    test_delete_objects,
    test_presigned_url,
    test_presigned_url_sigv4,
    test_presigned_post,
    test_presigned_post_sigv4,
    test_error_no_such_key,
    test_error_no_such_bucket,
    test_error_bucket_not_empty,
    test_versioning_flow,
    test_object_tagging_flow,
    test_lifecycle_flow,
    test_object_lock_flow,
    test_delete_bucket,
]


def main():
    passed, failed = 0, []
    for test in TESTS:
        start = time.monotonic()
        try:
            test()
        except Exception:
            failed.append(test.__name__)
            print("FAIL %s (%.1fs)" % (test.__name__, time.monotonic() - start))
            traceback.print_exc(file=sys.stdout)
        else:
            passed += 1
            print("ok   %s (%.1fs)" % (test.__name__, time.monotonic() - start))
        sys.stdout.flush()
    for name in os.listdir(TMP):
        os.remove(os.path.join(TMP, name))
    os.rmdir(TMP)
    print("boto3: %d passed, %d failed%s" % (passed, len(failed), " (%s)" % ", ".join(failed) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
