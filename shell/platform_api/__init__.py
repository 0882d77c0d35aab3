"""The Platform API v1: what mini-apps ask the shell to do, over HTTPS or in-process."""
