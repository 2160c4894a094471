"""The ``backend`` fixture: the app's storage set to a local directory, then to S3 (moto in server mode on
127.0.0.1, one server for the session, a fresh key prefix per test). Nothing reaches the internet."""

import socket
import uuid

import pytest

BUCKET = "dais-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """A moto S3 server on a free local port, with an empty bucket."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture(params=["local", "s3"])
def backend(request, app, tmp_path):
    """The app's storage set to each backend in turn (S3: a fresh key prefix per test)."""
    if request.param == "local":
        app.config.update(STORAGE_BACKEND="local", UPLOAD_DIR=str(tmp_path / "uploads"))
    else:
        app.config.update(
            STORAGE_BACKEND="s3",
            S3_BUCKET=BUCKET,
            S3_ENDPOINT_URL=request.getfixturevalue("s3_endpoint"),
            S3_REGION="us-east-1",
            S3_ACCESS_KEY_ID="testing",
            S3_SECRET_ACCESS_KEY="testing",
            S3_PREFIX=f"t-{uuid.uuid4().hex}/",
        )
    return request.param
