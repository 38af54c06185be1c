"""moto's S3 server for the object-store tests (`s3_env` in conftest.py).

moto checks no signature until IAM authentication is switched on (`authenticated()`): then only
the keys of an IAM user it made are accepted, which is how the wrong-credentials tests get a
real refusal."""

from __future__ import annotations

import json
import socket
from contextlib import contextmanager

import boto3
import requests
from botocore.config import Config

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})


class MotoS3:
    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.server.start()
        self.url = f"http://127.0.0.1:{port}"
        # While authentication is off any key works; these also work once it is on.
        iam = boto3.client("iam", endpoint_url=self.url, region_name="us-east-1",
                           aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
        iam.create_user(UserName="library")
        iam.put_user_policy(UserName="library", PolicyName="media", PolicyDocument=POLICY)
        key = iam.create_access_key(UserName="library")["AccessKey"]
        self.key_id, self.secret = key["AccessKeyId"], key["SecretAccessKey"]

    def client(self, key_id: str | None = None, secret: str | None = None):
        return boto3.client(
            "s3", endpoint_url=self.url, region_name="us-east-1",
            aws_access_key_id=key_id or self.key_id, aws_secret_access_key=secret or self.secret,
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))

    def objects(self, bucket: str) -> dict[str, bytes]:
        client = self.client()
        found = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
                for o in found}

    @contextmanager
    def authenticated(self):
        """Every request must be signed by the IAM user's key (presigned GETs fail too)."""
        requests.post(f"{self.url}/moto-api/reset-auth", data=b"0").raise_for_status()
        try:
            yield
        finally:
            requests.post(f"{self.url}/moto-api/reset-auth", data=b"inf").raise_for_status()

    def stop(self) -> None:
        self.server.stop()
