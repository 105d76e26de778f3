"""gunicorn config used by the bench: production settings come from the command line; this file only adds a
probe that counts QR images made in each worker (the verification path must make none). Counting is one
file append per QR image, so a path that makes none pays nothing."""

import os


def post_worker_init(worker):
    probe_dir = os.environ.get("BENCH_PROBE_DIR")
    if not probe_dir:
        return
    import qrcode

    original = qrcode.QRCode.make_image

    def counted(self, *args, **kwargs):
        with open(os.path.join(probe_dir, f"qr-{os.getpid()}.count"), "a") as out:
            out.write("1\n")
        return original(self, *args, **kwargs)

    qrcode.QRCode.make_image = counted
