-- Neovim headless, driven by tests/lsp/nvim_test.sh: the README's configuration (extracted by
-- the script to CELINT_NVIM_CONFIG), then the file given on the command line is opened, the
-- diagnostics the built-in client receives are written to CELINT_NVIM_OUT, the buffer is
-- edited (the call into the helper removed) and the diagnostics received then are written too.
vim.opt.swapfile = false
dofile(os.getenv("CELINT_NVIM_CONFIG"))

local out = os.getenv("CELINT_NVIM_OUT")
local timeout = 60000

local function snapshot(buf)
  local items = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local lsp = (d.user_data or {}).lsp or {}
    table.insert(items, {
      code = d.code or lsp.code,
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      severity = d.severity,
      source = d.source,
      message = d.message,
    })
  end
  table.sort(items, function(a, b) return a.lnum < b.lnum end)
  return items
end

local function run()
  local buf = vim.api.nvim_get_current_buf()
  local result = {}
  vim.wait(timeout, function() return #vim.diagnostic.get(buf) >= 2 end, 20)
  result.opened = snapshot(buf)
  -- Line 9 (`    warmup.prepare()`) becomes `    pass`: the handler no longer reaches the sleep.
  vim.api.nvim_buf_set_lines(buf, 8, 9, true, { "    pass" })
  vim.wait(timeout, function() return #vim.diagnostic.get(buf) == 1 end, 20)
  result.edited = snapshot(buf)
  result.clients = #vim.tbl_keys(vim.lsp.buf_get_clients(buf))
  local f = assert(io.open(out, "w"))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd("qall!")
end

vim.api.nvim_create_autocmd("VimEnter", { callback = function() vim.defer_fn(run, 0) end })
