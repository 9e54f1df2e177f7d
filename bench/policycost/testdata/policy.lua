-- The benchmarks' policy in Lua: the same rules as bench/policycost/logic,
-- called the KumoMTA way (one function per hook, a table argument, a table
-- result).

local smart_hosts = {
  relayco = { "smtp-relay.example.net:587" },
  globex = { "mx1.globex-relay.example:2525", "mx2.globex-relay.example:2525" },
}

function route(msg)
  local hosts = smart_hosts[msg.tenant]
  if hosts then
    return { hosts = hosts }
  end
  if string.sub(msg.campaign, 1, 5) == "bulk-" then
    return { mx_domain = "bulk-mx." .. msg.domain }
  end
  return nil
end

local rules = {
  { "[tss04]", { category = "RateLimited", action = "retry", suspend = true, duration_ms = 3600000 } },
  { "4.7.28", { category = "RateLimited", rate_factor = 0.5, duration_ms = 1800000, threshold = 5, window_ms = 60000 } },
  { "rate limit", { category = "RateLimited" } },
  { "too many", { category = "RateLimited" } },
  { "[cs01]", { category = "PolicyRelated" } },
  { "spamhaus", { category = "SpamBlock" } },
  { "blocklist", { category = "SpamBlock" } },
  { "block list", { category = "SpamBlock" } },
  { "spam", { category = "SpamContent" } },
  { "virus", { category = "Virus" } },
  { "dmarc", { category = "AuthenticationFailed", action = "bounce" } },
  { "spf", { category = "AuthenticationFailed", action = "bounce" } },
  { "mailbox full", { category = "QuotaIssues" } },
  { "over quota", { category = "QuotaIssues" } },
  { "user unknown", { category = "InvalidRecipient", action = "bounce" } },
  { "no such user", { category = "InvalidRecipient", action = "bounce" } },
  { "does not exist", { category = "InvalidRecipient", action = "bounce" } },
  { "disabled", { category = "InactiveMailbox" } },
  { "policy", { category = "PolicyRelated" } },
  { "try again later", { category = "TransientFailure" } },
}

function classify(resp)
  if resp.code == 0 then
    return { category = "BadConnection" }
  end
  local text = string.lower(resp.text)
  for i = 1, #rules do
    if string.find(text, rules[i][1], 1, true) then
      return rules[i][2]
    end
  end
  local e = resp.enhanced
  if string.sub(e, 1, 4) == "5.1." then
    return { category = "InvalidRecipient", action = "bounce" }
  elseif string.sub(e, 1, 4) == "5.7." then
    return { category = "PolicyRelated" }
  elseif resp.code >= 400 and resp.code < 500 then
    return { category = "TransientFailure" }
  end
  return { category = "Other" }
end
