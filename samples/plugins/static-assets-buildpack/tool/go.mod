module example.com/static-assets/tool

go 1.22
