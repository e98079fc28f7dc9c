/** The files of the extension folder that go into the package, besides the bundle. */
export declare const PACKAGED_FILES: readonly string[];

/** Stages, bundles and packages the extension; returns the .vsix path. */
export declare function packageExtension(out?: string): Promise<string>;
