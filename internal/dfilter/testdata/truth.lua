-- tshark -q -X lua_script:truth.lua with DF_FILTERS=filters.txt: one line
-- "filter-index<TAB>frame" per frame each filter selects, in one pass.
local filters = {}
for line in io.lines(os.getenv("DF_FILTERS")) do
  if line ~= "" and line:sub(1, 1) ~= "#" then table.insert(filters, line) end
end
for i, f in ipairs(filters) do
  local ok, l = pcall(Listener.new, nil, f)
  if not ok then
    io.stderr:write("bad filter " .. i .. ": " .. f .. "\n")
  else
    l.packet = function(pinfo, tvb) io.write(i, "\t", pinfo.number, "\n") end
  end
end
