fn main() {
    std::process::exit(checkval::cli::main());
}
