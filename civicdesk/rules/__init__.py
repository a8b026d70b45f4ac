"""Platform rules and policy as code: what a platform would refuse, and what the organization's
own social media policy says, checked while a post is written.

Pure Python: nothing here touches the database. The public API is re-exported below.
"""

from .counting import linkedin_escape, measure, measure_with, x_weighted_length
from .media import check_media
from .messages import language_list, language_name
from .platforms import (
    PLATFORMS,
    THREAD_PLATFORMS,
    Counting,
    MediaRules,
    PlatformRules,
    UnknownPlatformError,
    mastodon_limits,
    mastodon_rules_from_instance,
    platform_limits,
)
from .policy import (
    AccessibilityRules,
    ApprovalRule,
    ForbiddenRule,
    LanguageRules,
    LinkRules,
    ModerationClause,
    Policy,
    PolicyError,
    ReadabilityRules,
    default_policy,
    moderation_clause,
    policy_from_yaml,
    policy_to_yaml,
)
from .post import check_post, check_variant
from .prose import readability
from .threads import split_thread
from .types import (
    ChannelDraft,
    Entity,
    Facet,
    Finding,
    Measurement,
    MediaSpec,
    Severity,
    VariantDraft,
)

__all__ = [
    "PLATFORMS",
    "THREAD_PLATFORMS",
    "AccessibilityRules",
    "ApprovalRule",
    "ChannelDraft",
    "Counting",
    "Entity",
    "Facet",
    "Finding",
    "ForbiddenRule",
    "LanguageRules",
    "LinkRules",
    "MediaRules",
    "MediaSpec",
    "Measurement",
    "ModerationClause",
    "PlatformRules",
    "Policy",
    "PolicyError",
    "ReadabilityRules",
    "Severity",
    "UnknownPlatformError",
    "VariantDraft",
    "check_media",
    "check_post",
    "check_variant",
    "default_policy",
    "language_list",
    "language_name",
    "linkedin_escape",
    "mastodon_limits",
    "mastodon_rules_from_instance",
    "measure",
    "measure_with",
    "moderation_clause",
    "platform_limits",
    "policy_from_yaml",
    "policy_to_yaml",
    "readability",
    "split_thread",
    "x_weighted_length",
]
