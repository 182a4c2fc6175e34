module spiceweb

go 1.26
