-- One script, several scenarios, chosen by BENCH_SCENARIO:
--   healthz, me, me_bearer (an access JWT), verify (the gateway's /api/auth/verify), introspect
--   (POST /api/oauth/introspect), login, signup,
--   mixed (90% me, 8% login, 2% signup).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
require("common")

local scenario = os.getenv("BENCH_SCENARIO")
local password = os.getenv("BENCH_PASSWORD")
local run_tag = os.getenv("BENCH_RUN")
local keys, emails
local counter = 0

function init(args)
  math.randomseed(os.time() * 1000 + id)
  keys = load_lines(os.getenv("BENCH_KEYS"))
  emails = load_lines(os.getenv("BENCH_EMAILS"))
end

local json = {["Content-Type"] = "application/json"}

local function me()
  return wrk.format("GET", "/api/me", {["Authorization"] = "Token " .. keys[math.random(#keys)]})
end

-- The same, with an access JWT from POST /api/token/ (BENCH_KEYS holds JWTs).
local function me_bearer()
  return wrk.format("GET", "/api/me", {["Authorization"] = "Bearer " .. keys[math.random(#keys)]})
end

local function verify()
  return wrk.format("GET", "/api/auth/verify", {["Authorization"] = "Token " .. keys[math.random(#keys)]})
end

-- RFC 7662 introspection: the first seeded user's token (every scope) asks
-- about a random user's.
local form = {["Content-Type"] = "application/x-www-form-urlencoded", ["Authorization"] = ""}
local function introspect()
  form["Authorization"] = "Token " .. keys[1]
  return wrk.format("POST", "/api/oauth/introspect", form, "token=" .. keys[math.random(#keys)])
end

local function login()
  local body = '{"email": "' .. emails[math.random(#emails)] .. '", "password": "' .. password .. '"}'
  return wrk.format("POST", "/api/login", json, body)
end

local function signup()
  counter = counter + 1
  local email = "new-" .. run_tag .. "-" .. id .. "-" .. counter .. "@bench.example.com"
  local body = '{"email": "' .. email .. '", "phonenumber": "+15550001111", "password": "' .. password .. '"}'
  return wrk.format("POST", "/api/signup", json, body)
end

function request()
  if scenario == "healthz" then return wrk.format("GET", "/healthz")
  elseif scenario == "me" then return me()
  elseif scenario == "me_bearer" then return me_bearer()
  elseif scenario == "verify" then return verify()
  elseif scenario == "introspect" then return introspect()
  elseif scenario == "login" then return login()
  elseif scenario == "signup" then return signup()
  else
    local r = math.random()
    if r < 0.90 then return me() elseif r < 0.98 then return login() else return signup() end
  end
end
