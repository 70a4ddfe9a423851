"""Provider errors, one tree for every vendor.

    LLMError                     (provider, code, message, retryable)
    ├── ProviderAuthError        provider_auth_failed      bad or missing API key
    ├── ProviderRateLimited      provider_rate_limited     429 (retry_after_s when known)
    ├── ProviderTimeout          provider_timeout
    ├── ProviderBadRequest       provider_bad_request      the request was refused (400/404/422)
    │   └── TooManyTools         too_many_tools            more tools than the vendor takes
    ├── ProviderUnavailable      provider_unavailable      5xx, connection refused, outage
    ├── ProviderEgressBlocked    egress_blocked            the server's URL, an address it resolves
    │                                                      to or a redirect it answered is refused
    └── MalformedStream          provider_malformed_stream the stream broke or made no sense

Messages are written for the person running the agent ("Anthropic rejected the API key: set
ANTHROPIC_API_KEY") and never contain the key itself.
"""

from __future__ import annotations


class LLMError(Exception):
    code = "provider_error"
    retryable = False

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(message)
        self.provider = provider
        self.message = message


class ProviderAuthError(LLMError):
    code = "provider_auth_failed"


class ProviderRateLimited(LLMError):
    code = "provider_rate_limited"
    retryable = True

    def __init__(self, provider: str, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(provider, message)
        self.retry_after_s = retry_after_s


class ProviderTimeout(LLMError):
    code = "provider_timeout"
    retryable = True


class ProviderBadRequest(LLMError):
    code = "provider_bad_request"


class TooManyTools(ProviderBadRequest):
    """Refused before sending: the vendor would refuse the request for its number of tools."""

    code = "too_many_tools"


class ProviderUnavailable(LLMError):
    code = "provider_unavailable"
    retryable = True


class ProviderEgressBlocked(LLMError):
    """The egress guard refused the model server (app.tools.egress_transport). The same code as
    a refused tool URL: the fix is the same (another URL, or TOOL_ALLOWED_PRIVATE_HOSTS)."""

    code = "egress_blocked"


class MalformedStream(LLMError):
    code = "provider_malformed_stream"
