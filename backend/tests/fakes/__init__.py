"""Wire-compatible fake servers (real HTTP on 127.0.0.1) for the LLM vendors; see server.py."""
