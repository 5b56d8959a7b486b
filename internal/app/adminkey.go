package app

// adminKeySource says where the admin key comes from, for the start-up banner.
func adminKeySource(key, file string) string {
	switch {
	case file != "":
		return "key in " + file
	case key != "":
		return "key from CCFLOW_ADMIN_KEY"
	}
	return "disabled: set CCFLOW_ADMIN_KEY"
}
