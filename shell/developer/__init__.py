"""The developer portal (partner businesses register and submit mini-apps) and staff review."""
