-- Number figure and table captions for HTML written by plain pandoc
-- (Quarto and Typst number them themselves).
local figures, tables = 0, 0

local function prefix(caption, label)
  local blocks = caption.long
  if #blocks > 0 and (blocks[1].t == "Plain" or blocks[1].t == "Para") then
    table.insert(blocks[1].content, 1, pandoc.Strong(pandoc.Str(label)))
    table.insert(blocks[1].content, 2, pandoc.Space())
  end
  return caption
end

function Figure(fig)
  figures = figures + 1
  fig.caption = prefix(fig.caption, "Figure " .. figures .. ".")
  return fig
end

function Table(tbl)
  if #tbl.caption.long > 0 then
    tables = tables + 1
    tbl.caption = prefix(tbl.caption, "Table " .. tables .. ".")
  end
  return tbl
end
