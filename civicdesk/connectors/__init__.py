"""One interface for every platform; one sub-package per platform, all of the same shape."""
