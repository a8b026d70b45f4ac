"""The organization's social media policy as versioned data, and the moderation actions that
cite it.

Each save of the policy's YAML document is a new numbered ``PolicyVersion``; the highest number is
the policy in force, and an organization without any uses the shipped defaults
(``civicdesk.rules.default_policy``). Hiding a message from the inbox records a
``ModerationAction`` naming the policy clause it applies.
"""
