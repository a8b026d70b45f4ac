"""What Facebook Pages, Instagram and Threads share: Meta's Graph API conventions.

Error bodies, rate-limit usage headers, cursor paging, insights and the Messenger-style
conversations API are the same on graph.facebook.com and graph.threads.net.
"""
