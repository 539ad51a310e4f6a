module example.com/with-assets

go 1.22
